// Hostile and careless calls through the package in Node 20 (the same wasm the browser runs):
// every exported method with every wrong argument type must throw a TypeError naming the
// parameter, never trap; the JS rows of RELIABILITY.md's table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ROOT } from "./harness.mjs";

const pkg = await import(resolve(ROOT, "pkg/node.js"));
const { Recommender, Propensity, TextClassifier, Profile } = pkg;
const fixture = (name) => readFileSync(resolve(ROOT, "tests/fixtures", name));
const demo = readFileSync(resolve(ROOT, "www/data/model.bundle"));

const WRONG = { number: 123, object: {}, boolean: true, null: null, undefined: undefined, array: [1], function: () => 1 };

/** `fn` throws a TypeError whose message names `param`; anything else (a trap, an Error) fails. */
function throwsTypeError(fn, param, label) {
  let thrown;
  try { fn(); } catch (e) { thrown = e; }
  assert.ok(thrown, `${label}: did not throw`);
  assert.ok(thrown instanceof TypeError, `${label}: ${thrown?.constructor?.name}: ${thrown?.message}`);
  assert.ok(thrown.message.includes(param), `${label}: ${thrown.message}`);
}

test("every string parameter refuses every other type with a TypeError", () => {
  const rec = Recommender.fromBytes(demo);
  const text = TextClassifier.fromBytes(fixture("tiny-text.bundle"));
  for (const [type, v] of Object.entries(WRONG)) {
    throwsTypeError(() => rec.similar(v), "item", `similar(${type})`);
    throwsTypeError(() => rec.hasItem(v), "item", `hasItem(${type})`);
    throwsTypeError(() => text.classify(v), "text", `classify(${type})`);
    if (type !== "array") {
      throwsTypeError(() => rec.boughtTogether(v), "itemOrCart", `boughtTogether(${type})`);
      throwsTypeError(() => rec.forSession(v), "items", `forSession(${type})`);
    }
    if (type !== "object") throwsTypeError(() => rec.similarByText(v), "query", `similarByText(${type})`);
  }
  throwsTypeError(() => rec.similarByText({ item: 5 }), "query.item", "similarByText({ item: 5 })");
  throwsTypeError(() => rec.boughtTogether(["85123A", 7]), "itemOrCart[1]", "boughtTogether([id, 7])");
  // The instance is still usable after every refusal.
  assert.equal(rec.similar(rec.popular({ k: 1 })[0].item, { k: 3 }).length, 3);
});

test("fromBytes takes a Uint8Array, a Buffer, an ArrayBuffer or a view, and refuses the rest", async () => {
  const bytes = fixture("tiny-als.bundle");
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const padded = new Uint8Array(bytes.length + 8);
  padded.set(bytes, 4);
  for (const input of [bytes, new Uint8Array(bytes), copy, new DataView(padded.buffer, 4, bytes.length)]) {
    assert.equal(Recommender.fromBytes(input).itemCount, Recommender.fromBytes(bytes).itemCount);
  }
  for (const [Cls, name] of [[Recommender, "Recommender"], [Propensity, "Propensity"], [TextClassifier, "TextClassifier"]]) {
    for (const [type, v] of Object.entries(WRONG)) {
      throwsTypeError(() => Cls.fromBytes(v), "bytes", `${name}.fromBytes(${type})`);
    }
    for (const [type, v] of Object.entries(WRONG)) {
      await assert.rejects(Cls.load(v), (e) => e instanceof TypeError && e.message.includes("url"), `${name}.load(${type})`);
    }
  }
  // A catalogue update takes the same byte types, and a whole bundle is not one.
  const rec = Recommender.fromBytes(bytes);
  for (const [type, v] of Object.entries(WRONG)) throwsTypeError(() => rec.updateCatalog(v), "bytes", `updateCatalog(${type})`);
  assert.throws(() => rec.updateCatalog(bytes), /not a catalogue update/);
  assert.equal(rec.itemCount, Recommender.fromBytes(bytes).itemCount);
});

test("propensity records of the wrong type are TypeErrors; batch errors name the record", () => {
  const p = Propensity.fromBytes(fixture("tiny-propensity-gbt.bundle"));
  for (const [type, v] of Object.entries(WRONG)) {
    if (type === "object" || type === "function") continue;
    throwsTypeError(() => p.score(v), "record", `score(${type})`);
    throwsTypeError(() => p.explain(v), "record", `explain(${type})`);
  }
  throwsTypeError(() => p.scoreBatch(5), "records", "scoreBatch(5)");
  throwsTypeError(() => p.scoreBatch([{}, 5]), "records[1]", "scoreBatch([{}, 5])");
});

test("a long history of distinct unknown ids folds in linearly and reports what it dropped", () => {
  // 100k distinct unknown ids took 27 s in Node when each was checked against a growing list.
  const rec = Recommender.fromBytes(demo);
  const known = rec.popular({ k: 1 })[0].item;
  const history = Array.from({ length: 100_000 }, (_, i) => `unknown-${i}`);
  history.push(known);
  const r = rec.recommendDetailed(history, { k: 5 });
  assert.equal(r.truncated, 100_001 - 10_000);
  assert.equal(r.unknown.length, 9_999);
  assert.equal(r.fallback, false);
  assert.equal(r.items.length, 5);
});

test("Profile: tiny half-lives, fractional caps and one bad stored event", async () => {
  const profile = await Profile.open({ storage: "memory" });
  await profile.record("view", "85123A", Date.now() - 86_400_000);
  await profile.view("22423");
  const h = profile.history({ halfLifeDays: 0.001 });
  assert.deepEqual(h.map((e) => e.item), ["22423"], "an event decayed to nothing is left out");
  const rec = Recommender.fromBytes(demo);
  assert.equal(rec.recommend(h, { k: 3 }).length, 3, "what history() returns, recommend() accepts");
  for (const bad of [0.5, 0, -1, 2.5, NaN, "10"]) {
    await assert.rejects(Profile.open({ storage: "memory", maxEvents: bad }), (e) => e instanceof TypeError && e.message.includes("maxEvents"), `maxEvents ${bad}`);
  }
  // One malformed stored event costs that event only.
  const store = new Map();
  globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
  const now = Date.now();
  store.set("p", JSON.stringify({ format: "shelfwise-profile/1", consentAt: now, events: [["view", "a", now], null, ["view", "b", now], ["oops"], 7] }));
  const warn = console.warn;
  console.warn = () => {};
  try {
    const p = await Profile.open({ key: "p" });
    assert.deepEqual(p.events().map((e) => e.item), ["a", "b"]);
    assert.equal(p.droppedOnLoad, 3);
  } finally {
    console.warn = warn;
    delete globalThis.localStorage;
  }
});

test("1,000 loads without dispose() stay bounded once garbage is collected", () => {
  // wasm-bindgen registers every instance with a FinalizationRegistry: a dropped Recommender frees
  // its wasm memory after the engine collects it. The engine decides when; here gc() is forced.
  const script = `
    const { Recommender } = await import(${JSON.stringify(resolve(ROOT, "pkg/node.js"))});
    const glue = await import(${JSON.stringify(resolve(ROOT, "pkg/shelfwise.js"))});
    const wasm = glue.initSync({ module: new Uint8Array(0) }); // already initialised: returns the live exports
    const bytes = (await import("node:fs")).readFileSync(${JSON.stringify(resolve(ROOT, "www/data/model.bundle"))});
    for (let i = 0; i < 1000; i++) {
      Recommender.fromBytes(bytes).recommend(["85123A"], { k: 3 });
      if (i % 20 === 19) { gc(); await new Promise((r) => setTimeout(r, 0)); }
    }
    gc(); await new Promise((r) => setTimeout(r, 0));
    console.log(JSON.stringify({ bundle: bytes.length, memory: wasm?.memory?.buffer?.byteLength ?? null }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script]).toString());
  const memory = out.memory ?? 0;
  assert.ok(out.memory !== null, "the wasm memory is reachable for the check");
  assert.ok(memory < 40 * out.bundle + 64 * 2 ** 20, `wasm memory ${memory} bytes after 1,000 loads of a ${out.bundle}-byte bundle`);
});
