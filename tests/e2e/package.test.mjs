// The built package as other environments use it: a strict CSP, Node 20, repeated load/dispose.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI, ROOT, launch, openStore, serve, shelf } from "./harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the demo works under the documented Content-Security-Policy, with no violations", async () => {
  const server = await serve({ csp: true });
  try {
    const page = await browser.newPage();
    const violations = [];
    page.on("console", (m) => { if (/Content.Security.Policy|CSP/i.test(m.text())) violations.push(m.text()); });
    const res = await page.goto(server.url);
    assert.equal(res.headers()["content-security-policy"], "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'");
    await page.waitForFunction(() => document.body.dataset.ready);
    assert.equal(await page.evaluate(() => document.body.dataset.ready), "true", await page.textContent("#status"));
    const items = (await shelf(page, "catalog")).map((c) => c.item);
    await page.click(`#catalog .card[data-item="${items[2]}"]`);
    assert.equal((await shelf(page, "recommended")).length, 10);
    assert.equal(await page.evaluate(() => typeof SharedArrayBuffer !== "undefined" && crossOriginIsolated), false);
    assert.deepEqual(violations, []);
  } finally {
    server.stop();
  }
});

/** Runs `script` as a Node module in a fresh folder where `shelfwise` is the built package;
 * returns the folder and the JSON the script printed. */
function runWithPackage(script) {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-node-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(resolve(ROOT, "pkg"), join(dir, "node_modules", "shelfwise"), "dir");
  writeFileSync(join(dir, "main.mjs"), script);
  return { dir, out: JSON.parse(execFileSync(process.execPath, [join(dir, "main.mjs")], { cwd: dir }).toString()) };
}

test("Node 20: import { Recommender } from \"shelfwise\" gives the CLI's recommendations", () => {
  const bundle = resolve(ROOT, "www/data/model.bundle");
  const { dir, out } = runWithPackage(`
    import { readFileSync } from "node:fs";
    import { Recommender, Propensity, PageContext } from "shelfwise";
    const rec = Recommender.fromBytes(readFileSync(${JSON.stringify(bundle)}));
    const items = rec.popular({ k: 3 }).map((s) => s.item);
    // Shelves on one page never repeat an item.
    const page = new PageContext();
    const first = page.show(rec.recommend(items, { k: 5 })).map((s) => s.item);
    const second = page.show(rec.similar(first[0], page.options({ k: 5 }))).map((s) => s.item);
    const repeats = second.filter((i) => first.includes(i) || i === first[0]);
    console.log(JSON.stringify({ items, recs: rec.recommend(items, { k: 5 }), propensity: typeof Propensity.fromBytes, repeats, shown: page.shown.length }));
  `);
  writeFileSync(join(dir, "h.csv"), "u,i\n" + out.items.map((i) => `x,${i}`).join("\n") + "\n");
  const csv = execFileSync(CLI, ["recommend", "--model", bundle, "--histories", join(dir, "h.csv"), "--user-col", "u", "--item-col", "i", "--k", "5"]).toString();
  const native = csv.trim().split("\n").slice(1).map((l) => l.split(","));
  assert.deepEqual(out.recs.map((r) => r.item), native.map((n) => n[1]));
  out.recs.forEach((r, i) => assert.ok(Math.abs(r.score - Number(native[i][3])) <= 1e-6));
  assert.equal(out.propensity, "function");
  assert.deepEqual(out.repeats, []);
  assert.equal(out.shown, 10);
});

test("Node 20: \"shelfwise/recs\" is the same Recommender without Propensity or TextClassifier", () => {
  const bundle = resolve(ROOT, "www/data/model.bundle");
  const { out } = runWithPackage(`
    import { readFileSync } from "node:fs";
    import * as recs from "shelfwise/recs";
    import * as full from "shelfwise";
    const bytes = readFileSync(${JSON.stringify(bundle)});
    const [a, b] = [recs.Recommender.fromBytes(bytes), full.Recommender.fromBytes(bytes)];
    const items = a.popular({ k: 3 }).map((s) => s.item);
    const calls = (r) => [
      r.recommend(items, { k: 10, reasons: true }),
      r.similar(items[0], { k: 5 }),
      r.boughtTogether(items.slice(0, 2), { k: 5 }),
      r.similarByText("white heart", { k: 5 }),
      r.info(),
    ];
    let corrupt;
    try { recs.Recommender.fromBytes(bytes.subarray(0, 40)); } catch (e) { corrupt = e.message; }
    console.log(JSON.stringify({
      same: JSON.stringify(calls(a)) === JSON.stringify(calls(b)),
      exports: Object.keys(recs).sort(),
      load: typeof recs.Recommender.load,
      corrupt,
    }));
  `);
  assert.equal(out.same, true);
  assert.deepEqual(out.exports, ["Experiment", "PageContext", "Profile", "Recommender", "default", "initSync", "truthProbability", "version"]);
  assert.equal(out.load, "function");
  assert.match(out.corrupt, /bundle/);
});

test("loading and disposing a bundle 100 times keeps wasm memory bounded", async () => {
  const server = await serve();
  try {
    const { page } = await openStore(browser, server.url);
    const r = await page.evaluate(async () => {
      const m = await import("./pkg/shelfwise.js");
      const wasm = await m.default();
      const bytes = new Uint8Array(await (await fetch("./data/model.bundle")).arrayBuffer());
      const sizes = [];
      for (let i = 0; i < 100; i++) {
        const rec = m.Recommender.fromBytes(bytes);
        rec.recommend(["85123A"], { k: 10 });
        rec.dispose();
        sizes.push(wasm.memory.buffer.byteLength);
      }
      return { bundle: bytes.length, after10: sizes[9], after100: sizes[99] };
    });
    // After warm-up the allocator reuses freed memory: no growth from 10 to 100 cycles.
    assert.equal(r.after100, r.after10, JSON.stringify(r));
    assert.ok(r.after100 < 16 * r.bundle + 8 * 2 ** 20, `wasm memory ${r.after100} bytes for a ${r.bundle}-byte bundle`);
  } finally {
    server.stop();
  }
});
