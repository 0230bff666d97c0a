// Propensity scores computed in Chromium equal the native CLI's for every held-out row.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI, ROOT, csvRecords as records, launch, openStore, serve } from "./harness.mjs";

const OSI = resolve(ROOT, "../shared/data/online-shoppers-intention/online_shoppers_intention.csv");
let server, browser;

before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

async function inPage(fn, arg) {
  const { page } = await openStore(browser, server.url);
  try {
    return await page.evaluate(fn, arg);
  } finally {
    await page.close();
  }
}

test("Online Shoppers: browser scores equal native scores within 1e-6 on the held-out split", { skip: !existsSync(OSI) && "../shared/data is absent" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-prop-"));
  const bundle = join(dir, "gbt.bundle");
  execFileSync(CLI, ["train", "propensity", "--input", OSI, "--target", "Revenue", "--model", "gbt", "--seed", "42", "--out", bundle, "--test-out", join(dir, "test.csv")], { stdio: "pipe" });
  execFileSync(CLI, ["score", "--model", bundle, "--input", join(dir, "test.csv"), "--out", join(dir, "p.csv")], { stdio: "pipe" });
  const native = readFileSync(join(dir, "p.csv"), "utf8").trim().split("\n").slice(1).map(Number);
  const recs = records(readFileSync(join(dir, "test.csv"), "utf8"));
  assert.equal(recs.length, native.length);
  assert.ok(recs.length > 3000, `${recs.length} held-out rows`);
  const browserScores = await inPage(async ({ bytes, recs }) => {
    const m = await import("./pkg/shelfwise.js");
    await m.default();
    const model = m.Propensity.fromBytes(new Uint8Array(bytes));
    return Array.from(model.scoreBatch(recs));
  }, { bytes: [...readFileSync(bundle)], recs });
  let worst = 0;
  browserScores.forEach((p, i) => { worst = Math.max(worst, Math.abs(p - native[i])); });
  assert.ok(worst <= 1e-6, `largest difference ${worst}`);
});

test("Propensity in the browser: typed errors, reports, explanations", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-prop-"));
  const csv = ["Pages,Device,Weekend,Bought"];
  for (let i = 0; i < 400; i++) csv.push(`${i % 40},${["mobile", "desktop"][i % 2]},${i % 3 === 0 ? "TRUE" : "FALSE"},${(i % 40) > 25 || (i % 7 === 0) ? "yes" : "no"}`);
  const data = join(dir, "visits.csv");
  (await import("node:fs")).writeFileSync(data, csv.join("\n") + "\n");
  const bundle = join(dir, "m.bundle");
  execFileSync(CLI, ["train", "propensity", "--input", data, "--target", "Bought", "--model", "logistic", "--out", bundle], { stdio: "pipe" });
  const r = await inPage(async ({ bytes }) => {
    const m = await import("./pkg/shelfwise.js");
    await m.default();
    const model = m.Propensity.fromBytes(new Uint8Array(bytes));
    const err = (f) => { try { f(); return null; } catch (e) { return e instanceof Error ? e.message : String(e); } };
    return {
      hi: model.score({ Pages: 39, Device: "desktop", Weekend: false }),
      lo: model.score({ Pages: 1, Device: "mobile", Weekend: false }),
      detailed: model.scoreDetailed({ Pages: 30, Colour: "red", Device: "watch" }),
      explain: model.explain({ Pages: 39, Device: "desktop", Weekend: true }),
      schema: model.schema(),
      text: err(() => model.score({ Pages: "many" })),
      nan: err(() => model.score({ Pages: NaN })),
      inf: err(() => model.score({ Pages: Infinity })),
      object: err(() => model.score({ Pages: { n: 1 } })),
      batch: err(() => model.scoreBatch([{ Pages: 1 }, { Pages: "x" }])),
      notObject: err(() => model.score([1, 2])),
      corrupt: err(() => m.Propensity.fromBytes(new Uint8Array(bytes).slice(0, 100))),
      after: model.score({ Pages: 20 }),
    };
  }, { bytes: [...readFileSync(bundle)] });
  assert.ok(r.hi > 0.8 && r.lo < 0.3, `${r.hi} / ${r.lo}`);
  assert.deepEqual(r.detailed.missing, ["Weekend"]);
  assert.deepEqual(r.detailed.unknown, ["Colour"]);
  assert.deepEqual(r.detailed.unseen, ["Device"]);
  assert.equal(r.explain[0].field, "Pages");
  assert.deepEqual(r.schema.fields.map((f) => [f.name, f.type]), [["Pages", "numeric"], ["Device", "categorical"], ["Weekend", "boolean"]]);
  assert.match(r.text, /'Pages'.*"many".*expected a number/);
  assert.match(r.nan, /'Pages': NaN/);
  assert.match(r.inf, /'Pages': inf/);
  assert.match(r.object, /invalid value for 'Pages'/);
  assert.match(r.batch, /records\[1\].*'Pages'/);
  assert.match(r.notObject, /plain object/);
  assert.match(r.corrupt, /truncated bundle/);
  assert.ok(r.after > 0 && r.after < 1);
});
