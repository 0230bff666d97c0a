// Scoring off the main thread: a module Web Worker instantiates the package with `initSync`
// (from bytes, and from a compiled module) and must return exactly the main thread's results.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, servePages } from "./harness.mjs";

const WORKER = `
import { initSync, Recommender } from "./pkg/index.js";
let rec;
self.onmessage = async ({ data }) => {
  try {
    if (data.wasm) {
      initSync({ module: data.wasm });   // an ArrayBuffer or a WebAssembly.Module
      rec = data.bundle ? Recommender.fromBytes(new Uint8Array(data.bundle)) : await Recommender.load("./model.bundle");
      postMessage({ ready: true, inWorker: typeof document === "undefined" && typeof WorkerGlobalScope !== "undefined" });
    } else {
      postMessage({ recs: rec.recommend(data.history, { k: 10 }) });
    }
  } catch (e) {
    postMessage({ error: String(e) });
  }
};`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>worker</title>
<script type="module">
  import init, { Recommender } from "./pkg/index.js";
  await init();
  const rec = Recommender.fromBytes(new Uint8Array(await (await fetch("./model.bundle")).arrayBuffer()));
  const ask = (worker, msg, transfer = []) => new Promise((ok) => { worker.onmessage = (e) => ok(e.data); worker.postMessage(msg, transfer); });
  globalThis.run = async (how, histories) => {
    const worker = new Worker("./worker.js", { type: "module" });
    const msg = {};
    if (how === "bytes") {
      msg.wasm = await (await fetch("./pkg/shelfwise_bg.wasm")).arrayBuffer();
      msg.bundle = await (await fetch("./model.bundle")).arrayBuffer();
    } else {
      msg.wasm = await WebAssembly.compileStreaming(fetch("./pkg/shelfwise_bg.wasm"));
    }
    const ready = await ask(worker, msg, how === "bytes" ? [msg.bundle] : []);
    if (!ready.ready) return ready;
    const out = { inWorker: ready.inWorker, worker: [], main: [] };
    for (const h of histories) {
      out.worker.push((await ask(worker, { history: h })).recs);
      out.main.push(rec.recommend(h, { k: 10 }));
    }
    worker.terminate();
    return out;
  };
  globalThis.popular = rec.popular({ k: 30 }).map((s) => s.item);
  document.body.dataset.ready = "true";
</script>`;

let server, browser, page;
before(async () => {
  server = await servePages({ "index.html": PAGE, "worker.js": WORKER });
  browser = await launch();
  page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  assert.deepEqual(errors, []);
});
after(async () => {
  await browser?.close();
  server?.stop();
});

for (const how of ["bytes", "module"]) {
  test(`a Web Worker (initSync from ${how === "bytes" ? "wasm bytes" : "a compiled WebAssembly.Module"}) scores exactly like the main thread`, async () => {
    const r = await page.evaluate(async (how) => {
      const p = globalThis.popular;
      return globalThis.run(how, [[p[3]], [p[5], p[11], p[17]], p.slice(20, 28)]);
    }, how);
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.inWorker, true);
    assert.equal(r.worker.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(r.worker[i].length, 10);
      assert.deepEqual(r.worker[i], r.main[i], "same items, same scores, bit for bit");
    }
  });
}
