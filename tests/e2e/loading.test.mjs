// Recommender.load in Chromium: streaming progress, SRI integrity, the Cache API, typed failures.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ROOT, launch, servePages } from "./harness.mjs";

const BYTES = readFileSync(resolve(ROOT, "www/data/model.bundle"));
const SRI = "sha256-" + createHash("sha256").update(BYTES).digest("base64");
const PAGE = `<!doctype html><meta charset="utf-8"><title>load</title>
<script type="module">
  import init, { Recommender } from "./pkg/index.js";
  await init();
  globalThis.shelfwise = { Recommender };
  document.body.dataset.ready = "true";
</script>`;

let server, browser, page;
const requests = [];

before(async () => {
  server = await servePages({ "index.html": PAGE });
  browser = await launch();
  page = await browser.newPage();
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
});
after(async () => {
  await browser?.close();
  server?.stop();
});

/** Runs `Recommender.load(url, opts)` in the page; returns { ok, error, progress, items, popular }. */
function load(url, opts = {}) {
  return page.evaluate(async ([url, opts]) => {
    const progress = [];
    try {
      const rec = await globalThis.shelfwise.Recommender.load(url, { ...opts, onProgress: (p) => progress.push(p) });
      const out = { ok: true, progress, items: rec.itemCount, popular: rec.popular({ k: 3 }).map((s) => s.item) };
      rec.dispose();
      return out;
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e), progress };
    }
  }, [url, opts]);
}

test("load streams the bundle with progress and verifies a correct integrity string", async () => {
  const r = await load("./model.bundle", { integrity: SRI });
  assert.ok(r.ok, r.error);
  assert.ok(r.items > 1000, `items ${r.items}`);
  assert.ok(r.progress.length >= 2, `progress events: ${r.progress.length}`);
  const last = r.progress.at(-1);
  assert.equal(last.loaded, BYTES.length);
  assert.equal(last.total, BYTES.length);
  for (let i = 1; i < r.progress.length; i++) assert.ok(r.progress[i].loaded >= r.progress[i - 1].loaded);
  // sha384/sha512 work too, and the strongest algorithm of a list is the one checked.
  const sha512 = "sha512-" + createHash("sha512").update(BYTES).digest("base64");
  assert.ok((await load("./model.bundle", { integrity: `sha256-AAAA ${sha512}` })).ok);
});

test("a wrong integrity string rejects before the bytes are used", async () => {
  const wrong = "sha256-" + createHash("sha256").update("something else").digest("base64");
  const r = await load("./model.bundle", { integrity: wrong });
  assert.equal(r.ok, false);
  assert.match(r.error, /integrity mismatch for http:\/\/127\.0\.0\.1:\d+\/model\.bundle: expected sha256-\S+, got sha256-\S+/);
  assert.ok(r.error.includes(SRI.slice(7)), "the message names the digest that was found");
  for (const bad of ["md5-abc", "", "sha256"]) {
    const b = await load("./model.bundle", { integrity: bad });
    assert.equal(b.ok, false);
    assert.match(b.error, /options\.integrity/);
  }
});

test("HTTP errors, corrupt bytes and bad options are typed errors", async () => {
  const missing = await load("./nope.bundle");
  assert.equal(missing.ok, false);
  assert.match(missing.error, /could not load bundle http:\/\/127\.0\.0\.1:\d+\/nope\.bundle: HTTP 404/);
  const corrupt = await page.evaluate(async () => {
    const bytes = new Uint8Array(await (await fetch("./model.bundle")).arrayBuffer());
    bytes[bytes.length >> 1] ^= 0xff;
    const url = URL.createObjectURL(new Blob([bytes]));
    try { await globalThis.shelfwise.Recommender.load(url); return "loaded"; } catch (e) { return e.message; }
  });
  assert.match(corrupt, /checksum mismatch/);
  const badOpt = await page.evaluate(async () => {
    try { await globalThis.shelfwise.Recommender.load("./model.bundle", { cache: 3 }); return "loaded"; } catch (e) { return `${e.name}: ${e.message}`; }
  });
  assert.match(badOpt, /TypeError: options\.cache must be true, false or a cache name, got 3/);
});

test("with cache: true the second load makes no request, and a tampered copy is replaced", async () => {
  await page.evaluate(() => caches.delete("shelfwise-bundles"));
  requests.length = 0;
  const first = await load("./model.bundle", { integrity: SRI, cache: true });
  assert.ok(first.ok, first.error);
  assert.deepEqual(requests.filter((p) => p.endsWith(".bundle")), ["/model.bundle"]);

  requests.length = 0;
  const second = await load("./model.bundle", { integrity: SRI, cache: true });
  assert.ok(second.ok, second.error);
  assert.deepEqual(second.popular, first.popular);
  assert.deepEqual(requests, [], "served from the Cache API");
  assert.equal(second.progress.at(-1).cached, true);

  // Someone rewrites the cached copy: integrity catches it and the bundle is fetched again.
  await page.evaluate(async () => {
    const cache = await caches.open("shelfwise-bundles");
    await cache.put(new URL("./model.bundle", location.href).href, new Response(new Uint8Array([1, 2, 3])));
  });
  requests.length = 0;
  const third = await load("./model.bundle", { integrity: SRI, cache: true });
  assert.ok(third.ok, third.error);
  assert.deepEqual(requests.filter((p) => p.endsWith(".bundle")), ["/model.bundle"]);
  const cached = await page.evaluate(async () => {
    const hit = await (await caches.open("shelfwise-bundles")).match(new URL("./model.bundle", location.href).href);
    return (await hit.arrayBuffer()).byteLength;
  });
  assert.equal(cached, BYTES.length, "the cache holds the verified bytes again");
});
