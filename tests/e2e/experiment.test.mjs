// On-device experiments in Chromium: assignment, consent, what a report holds (and what it never
// holds), the randomized-response arithmetic, no requests; reports from simulated visitors read
// back by `shelfwise experiment analyze`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI, ROOT, pageSite } from "./harness.mjs";

const PAGE = `<!doctype html><meta charset="utf-8"><title>experiment</title>
<script type="module">
  import init, { Experiment, Profile, truthProbability } from "./pkg/index.js";
  await init();
  globalThis.shelfwise = { Experiment, Profile, truthProbability };
  document.body.dataset.ready = "true";
</script>`;

let site;
before(async () => { site = await pageSite(PAGE); });
after(async () => { await site?.close(); });
const page = () => site.open();

test("assignment, consent and what a report holds", async () => {
  const p = await page();
  const requests = [];
  p.on("request", (r) => requests.push(r.url()));
  const r = await p.evaluate(async () => {
    const { Experiment, Profile, truthProbability } = globalThis.shelfwise;
    const variants = { shelfwise: 0.5, control: 0.5 };
    // Without consent: nothing stored.
    const anon = await Experiment.open({ name: "home", variants, salt: "s1" });
    anon.impression("recommended", ["85123A", "22423"]);
    anon.click("recommended");
    anon.purchase(19.5);
    const report = anon.report({ epsilon: 1 });
    const again = anon.report({ epsilon: 1 });
    const storedBefore = { ...localStorage };
    // With consent: the device keeps its variant across visits; clear() erases it.
    const profile = await Profile.open({ key: "p" });
    await profile.grantConsent();
    const first = await Experiment.open({ name: "home", variants, salt: "s1", profile });
    first.impression("recommended", ["85123A"]);
    const reopened = await Experiment.open({ name: "home", variants, salt: "s1", profile });
    const stable = first.variant === reopened.variant && reopened.export().counts.recommended?.impressions === 1;
    reopened.clear();
    const cleared = localStorage.getItem("shelfwise-experiment-home");
    // Weights: 2,000 devices split about 20 / 80.
    let treated = 0;
    for (let i = 0; i < 2000; i++) treated += (await Experiment.open({ name: "w", variants: { a: 0.2, b: 0.8 }, storage: null })).variant === "a";
    const epsilons = [0.1, 0.5, 1, 2, 4].map((e) => Math.abs(Math.log(truthProbability(e) / (1 - truthProbability(e))) - e));
    let typeError = "";
    try { await Experiment.open({ name: "x", variants: { a: -1 } }); } catch (e) { typeError = e.constructor.name; }
    return { report, same: JSON.stringify(report) === JSON.stringify(again), storedBefore, stable, cleared, treated, epsilons, typeError };
  });
  assert.deepEqual(Object.keys(r.report).sort(), ["epsilon", "experiment", "format", "metrics", "period", "revenueCap", "variant"]);
  assert.equal(r.report.format, "shelfwise-report/1");
  assert.match(r.report.period, /^\d{4}-\d\d-\d\d$/, "no time finer than a day");
  assert.ok(["shelfwise", "control"].includes(r.report.variant));
  assert.deepEqual(Object.keys(r.report.metrics).sort(), ["clicked", "converted", "revenue"]);
  assert.ok([0, 1].includes(r.report.metrics.clicked) && [0, 1].includes(r.report.metrics.converted));
  const text = JSON.stringify(r.report);
  for (const secret of ["85123A", "22423", "recommended", "device"]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  assert.ok(r.same, "one report per period: asking again spends no more budget");
  assert.deepEqual(r.storedBefore, {}, "nothing stored before consent");
  assert.ok(r.stable);
  assert.equal(r.cleared, null);
  assert.ok(r.treated > 330 && r.treated < 470, `${r.treated} of 2000 in the 20 % arm`);
  assert.ok(r.epsilons.every((d) => d < 1e-12), `ln(q / (1 − q)) = ε: ${r.epsilons}`);
  assert.equal(r.typeError, "TypeError");
  assert.deepEqual(requests, [], "the package made no request");
  await p.close();
});

test("reports from simulated visitors are read back by `shelfwise experiment analyze`", async () => {
  const p = await page();
  // 6,000 devices; shelfwise lifts clicking from 20 % to 30 %; both convert at 10 %.
  const lines = await p.evaluate(async () => {
    const { Experiment } = globalThis.shelfwise;
    const out = [];
    for (let i = 0; i < 6000; i++) {
      const e = await Experiment.open({ name: "home", variants: { shelfwise: 0.5, control: 0.5 }, storage: null });
      if (Math.random() < (e.variant === "shelfwise" ? 0.3 : 0.2)) e.click("recommended");
      if (Math.random() < 0.1) e.purchase(30);
      out.push(JSON.stringify(e.report({ epsilon: 2 })));
    }
    return out;
  });
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-experiment-"));
  writeFileSync(join(dir, "reports.jsonl"), lines.join("\n") + "\n");
  const a = JSON.parse(execFileSync(CLI, ["experiment", "analyze", "--reports", join(dir, "reports.jsonl"), "--json"]).toString());
  const v = Object.fromEntries(a.variants.map((x) => [x.variant, x]));
  for (const [name, ctr] of [["shelfwise", 0.3], ["control", 0.2]]) {
    const e = v[name].metrics.clicked;
    assert.ok(e.low - 0.03 < ctr && ctr < e.high + 0.03, `${name}: ${JSON.stringify(e)}`);
  }
  assert.ok(a.differences.clicked.shelfwise.estimate.value > 0, JSON.stringify(a.differences.clicked));
  const human = execFileSync(CLI, ["experiment", "analyze", "--reports", join(dir, "reports.jsonl")]).toString();
  assert.match(human, /clicked: shelfwise − control = \+0\.\d+/);
  await p.close();
});

test("scripts/simulate-experiment.mjs: the package's Experiment in Node, read back by analyze with a report", () => {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-simulate-"));
  const reports = join(dir, "reports.jsonl");
  execFileSync(process.execPath, [resolve(ROOT, "scripts/simulate-experiment.mjs"), "--devices", "20000", "--epsilon", "1",
    "--ctr", "control=0.2,shelfwise=0.3", "--out", reports], { stdio: ["ignore", "pipe", "pipe"] });
  const html = join(dir, "experiment.html");
  const a = JSON.parse(execFileSync(CLI, ["experiment", "analyze", "--reports", reports, "--json", "--report", html]).toString());
  const v = Object.fromEntries(a.variants.map((x) => [x.variant, x]));
  assert.equal(v.control.reports + v.shelfwise.reports, 20000);
  // Interval half-widths are about 0.02 here: 0.05 off would be five standard errors.
  for (const [name, ctr] of [["control", 0.2], ["shelfwise", 0.3]]) {
    assert.ok(Math.abs(v[name].metrics.clicked.value - ctr) < 0.05, `${name}: ${JSON.stringify(v[name].metrics.clicked)}`);
  }
  assert.ok(a.differences.clicked.shelfwise.p_value < 0.001, JSON.stringify(a.differences.clicked));
  assert.match(readFileSync(html, "utf8"), /shelfwise − control/);
});
