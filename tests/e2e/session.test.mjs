// The live session feeds propensity: a scripted browse of the demo store gives the record and the
// probability the native CLI gives for the same log (native = wasm), the "likely to buy" gauge
// follows within one frame, and the package's SessionTracker measures visible time, keeps to
// consent and refuses bad input with typed errors (in Node, with a clock and a document of its own).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI, ROOT, launch, openStore, serve } from "./harness.mjs";

const BUNDLE = resolve(ROOT, "www/data/propensity.bundle");
let server, browser;

before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

/** The CLI's `score --session` for `logs`: [{ record, p }]. */
function cliScores(logs) {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-session-"));
  writeFileSync(join(dir, "logs.json"), JSON.stringify(logs));
  const out = execFileSync(CLI, ["score", "--model", BUNDLE, "--session", join(dir, "logs.json")], { encoding: "utf8" });
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

/** The visit as the page's gauge scores it, at one instant. */
const snapshot = () => {
  const { tracker, propensity } = window.shelfwiseSession;
  const log = tracker.toJSON();
  return { log, record: propensity.sessionRecord(log), p: propensity.scoreSession(log) };
};

test("a scripted browse: the page's record and probability equal the CLI's for the same log", async () => {
  const { page, errors } = await openStore(browser, server.url);
  const items = await page.$$eval("#catalog .card", (cs) => cs.slice(0, 3).map((c) => c.dataset.item));
  const seen = [await page.evaluate(snapshot)];
  await page.click(`#catalog .card[data-item="${items[0]}"]`);
  await page.waitForTimeout(300);
  seen.push(await page.evaluate(snapshot));
  await page.click("#add-to-cart");
  seen.push(await page.evaluate(snapshot));
  await page.click(`#catalog .card[data-item="${items[1]}"]`);
  await page.fill("#search", "heart");
  await page.press("#search", "Enter");
  await page.click("#home");
  await page.waitForFunction(() => !document.body.classList.contains("product-page"));
  seen.push(await page.evaluate(snapshot));
  assert.deepEqual(errors, []);

  const last = seen.at(-1).log;
  assert.deepEqual(last.pages.map((p) => p.type), ["home", "product", "basket", "product", "search", "home"]);
  assert.deepEqual(last.pages.map((p) => p.id), [null, items[0], null, items[1], null, null]);
  assert.equal(last.cartAdds, 1);
  assert.ok(last.pages[1].seconds >= 0.3, `time on the first product page: ${last.pages[1].seconds} s`);
  const record = seen.at(-1).record;
  assert.equal(record.ProductRelated, 5);
  assert.equal(record.Administrative, 1);
  assert.equal(record.SpecialDay, 0);
  assert.ok(["Returning_Visitor", "New_Visitor", null].includes(record.VisitorType));

  const native = cliScores(seen.map((s) => s.log));
  seen.forEach((s, i) => {
    assert.deepEqual(native[i].record, s.record, `record after step ${i}`);
    assert.equal(native[i].p, s.p, `probability after step ${i}`);
  });
  // Browsing and the basket move the gauge up, from a low start.
  assert.ok(seen[0].p < 0.1, `a visit that only opened the home page: ${seen[0].p}`);
  assert.ok(seen[2].p > seen[1].p && seen[1].p > seen[0].p, seen.map((s) => s.p).join(" → "));
  await page.close();
});

test("the gauge shows the new probability within one frame of a click, with explain() beside it", async () => {
  const { page } = await openStore(browser, server.url);
  assert.equal(await page.isVisible("#gauge"), true);
  const item = await page.$eval("#catalog .card", (c) => c.dataset.item);
  const after = await page.evaluate((id) => new Promise((done) => {
    const before = Number(document.getElementById("gauge").dataset.pages);
    document.querySelector(`#catalog .card[data-item="${id}"]`).click();
    requestAnimationFrame(() => {
      const g = document.getElementById("gauge");
      done({ before, pages: Number(g.dataset.pages), p: Number(g.dataset.p), meter: document.getElementById("gauge-meter").value, why: document.getElementById("gauge-why").textContent });
    });
  }), item);
  assert.equal(after.pages, after.before + 1);
  assert.ok(after.p > 0 && after.p < 1);
  assert.ok(Math.abs(after.meter - after.p) < 1e-9);
  assert.match(after.why, /^\w+ [+−]\d+\.\d\d, \w+ [+−]\d+\.\d\d, \w+ [+−]\d+\.\d\d \(log-odds\)$/);
  await page.close();
});

test("nothing of the session is stored before consent; after it, the tab keeps it; forgetting erases it", async () => {
  const { page } = await openStore(browser, server.url);
  const items = await page.$$eval("#catalog .card", (cs) => cs.slice(0, 2).map((c) => c.dataset.item));
  await page.click(`#catalog .card[data-item="${items[0]}"]`);
  assert.deepEqual(await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage)]), [[], []]);
  await page.click("#consent-yes");
  await page.click(`#catalog .card[data-item="${items[1]}"]`);
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem("shelfwise-demo-session")));
  assert.equal(stored.log.pages.length, 3);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  // The reload resumes the visit (and counts the product page it shows once more).
  assert.equal(await page.evaluate(() => window.shelfwiseSession.tracker.toJSON().pages.length), 4);
  await page.click("#forget");
  assert.deepEqual(await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage)]), [[], []]);
  await page.close();
});

test("SessionTracker in Node: visible time only, a new session after the timeout, typed errors", async () => {
  const { Propensity, SessionTracker } = await import(resolve(ROOT, "pkg/node.js"));
  const model = Propensity.fromBytes(readFileSync(BUNDLE));
  let now = Date.UTC(2026, 10, 28, 23, 30); // a Saturday, in November
  const listeners = [];
  const doc = { visibilityState: "visible", addEventListener: (_, f) => listeners.push(f), removeEventListener() {} };
  const hide = (hidden) => { doc.visibilityState = hidden ? "hidden" : "visible"; listeners.forEach((f) => f()); };
  const t = new SessionTracker({ storage: "memory", clock: () => now, document: doc, model });
  t.page("product", { id: "A" });
  now += 10_000;
  hide(true);
  now += 60_000; // hidden: does not count
  hide(false);
  now += 5_000;
  t.page("info", { value: 3 });
  now += 2_500;
  t.set("trafficType", 2);
  const log = t.toJSON();
  assert.deepEqual(log.pages, [{ type: "product", id: "A", seconds: 15 }, { type: "info", id: null, seconds: 2.5, value: 3 }]);
  assert.equal(log.returning, null, "without consent the tracker cannot know");
  const record = t.record();
  assert.equal(record.ProductRelated, 1);
  assert.equal(record.ProductRelated_Duration, 15);
  assert.equal(record.Informational_Duration, 2.5);
  assert.equal(record.PageValues, (2 + 3) / 2, "the product type's figure from the bundle, the info page's own");
  const localDay = new Date(log.start + log.utcOffset * 60_000).getUTCDay();
  assert.equal(record.Weekend, localDay === 0 || localDay === 6);
  assert.equal(record.VisitorType, null);
  assert.equal(record.TrafficType, 2);
  assert.equal(model.scoreSession(t), model.score(record), "a tracker is scored through its toJSON()");
  assert.deepEqual(cliScores([log])[0].record, record, "native = wasm");
  now += 31 * 60_000;
  t.page("home");
  assert.equal(t.toJSON().pages.length, 1, "30 minutes without an event start a new session");

  assert.throws(() => t.page(""), TypeError);
  assert.throws(() => t.page(3), TypeError);
  assert.throws(() => t.page("product", { bounceRate: 1.5 }), RangeError);
  assert.throws(() => t.page("product", { value: -1 }), RangeError);
  assert.throws(() => t.set("x", Number.NaN), TypeError);
  assert.throws(() => new SessionTracker({ storage: "cookies" }), TypeError);
  assert.throws(() => model.sessionRecord(42), { name: "TypeError", message: /session must be a session log/ });
  assert.throws(() => model.sessionRecord({ start: "soon", pages: [] }), { name: "TypeError", message: /session\.start must be a number, got string/ });
  assert.throws(() => model.sessionRecord({ start: 0, pages: [{ type: "p", seconds: "1" }] }), { name: "TypeError", message: /session\.pages\[0\]\.seconds/ });
  assert.throws(() => model.sessionRecord({ start: 0, pages: [{ type: "p", seconds: -1 }] }), { name: "Error", message: /pages\[0\]\.seconds.*-1/ });
  assert.throws(() => model.sessionRecord({ start: 0, pages: [{ type: "p", seconds: 1, exitRate: 2 }] }), /pages\[0\]\.exitRate.*2/);
  assert.throws(() => model.sessionRecord({ toJSON() { throw new RangeError("from toJSON"); } }), RangeError);
  assert.equal(model.hasSession, true);
});
