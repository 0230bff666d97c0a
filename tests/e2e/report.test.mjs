// The HTML reports (`--report`) in Chromium: each renders with its own strict CSP and no console
// error, makes no request, and every chart, screenshotted, holds drawn marks in several colours.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CLI, ROOT, launch } from "./harness.mjs";

const dir = mkdtempSync(join(tmpdir(), "shelfwise-report-"));
const cli = (...args) => execFileSync(CLI, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

/** A seeded generator (mulberry32), so the inputs are the same on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The four reports, made by the CLI from the demo log and small generated inputs. */
function makeReports() {
  const rnd = random(7);
  const reports = {};
  reports.recs = join(dir, "recs.html");
  cli("eval", "recs", "--input", resolve(ROOT, "data/online-retail-demo.csv.gz"), "--user-col", "CustomerID",
    "--item-col", "StockCode", "--model", "auto", "--budget", "4trials", "--report", reports.recs);

  let visits = "pages,device,minutes,bought\n";
  for (let i = 0; i < 600; i++) {
    const pages = Math.floor(rnd() * 40), minutes = (rnd() * 30).toFixed(1), device = rnd() < 0.5 ? "mobile" : "desktop";
    const bought = rnd() < 1 / (1 + Math.exp(-(pages - 22) / 5)) ? "yes" : "no";
    visits += `${pages},${device},${minutes},${bought}\n`;
  }
  writeFileSync(join(dir, "visits.csv"), visits);
  cli("train", "propensity", "--input", join(dir, "visits.csv"), "--target", "bought", "--model", "logistic",
    "--out", join(dir, "p.bundle"), "--test-out", join(dir, "held-out.csv"));
  reports.propensity = join(dir, "propensity.html");
  cli("eval", "propensity", "--model", join(dir, "p.bundle"), "--input", join(dir, "held-out.csv"), "--report", reports.propensity);

  const words = { Toys: ["doll", "teddy", "puzzle", "kite"], Kitchen: ["mug", "plate", "spoon", "teapot"], Garden: ["hose", "spade", "rake", "planter"] };
  const shared = ["red", "large", "set", "vintage", "blue", "mini"];
  let titles = "title,category\n";
  for (let i = 0; i < 240; i++) {
    const [label, ws] = Object.entries(words)[i % 3];
    const word = rnd() < 0.85 ? ws[Math.floor(rnd() * 4)] : Object.values(words)[Math.floor(rnd() * 3)][0];
    titles += `${shared[Math.floor(rnd() * shared.length)]} ${word} ${shared[Math.floor(rnd() * shared.length)]},${label}\n`;
  }
  writeFileSync(join(dir, "titles.csv"), titles);
  reports.text = join(dir, "text.html");
  cli("train", "text", "--input", join(dir, "titles.csv"), "--text-col", "title", "--label-col", "category",
    "--out", join(dir, "t.bundle"), "--report", reports.text);

  // Private reports at ε = 1: each bit told truly with probability e / (1 + e).
  const q = Math.E / (1 + Math.E);
  const lines = [];
  for (let i = 0; i < 4000; i++) {
    const variant = i % 2 ? "shelfwise" : "control";
    const bit = (p) => Number((rnd() < p) === (rnd() < q));
    const clicked = bit(variant === "shelfwise" ? 0.3 : 0.2), converted = bit(0.05);
    const revenue = Math.min(100, rnd() < 0.05 ? 40 : 0) + 100 * Math.log(rnd() / rnd());
    lines.push(JSON.stringify({ format: "shelfwise-report/1", experiment: "home", variant, period: "2026-11-30",
      epsilon: { clicked: 1, converted: 1, revenue: 1 }, metrics: { clicked, converted, revenue }, revenueCap: 100 }));
  }
  writeFileSync(join(dir, "reports.jsonl"), lines.join("\n") + "\n");
  reports.experiment = join(dir, "experiment.html");
  cli("experiment", "analyze", "--reports", join(dir, "reports.jsonl"), "--report", reports.experiment);
  return reports;
}

let browser, reports;
before(async () => {
  reports = makeReports();
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** Share of a PNG's pixels that are not near-white, and how many distinct colours it has. */
async function ink(png) {
  const blank = await browser.newPage();
  const r = await blank.evaluate(async (b64) => {
    const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
    const img = await createImageBitmap(blob);
    const c = new OffscreenCanvas(img.width, img.height).getContext("2d");
    c.drawImage(img, 0, 0);
    const d = c.getImageData(0, 0, img.width, img.height).data;
    let inked = 0;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) inked++;
      colours.add((d[i] >> 4) << 8 | (d[i + 1] >> 4) << 4 | d[i + 2] >> 4);
    }
    return { inked: inked / (d.length / 4), colours: colours.size };
  }, png.toString("base64"));
  await blank.close();
  return r;
}

for (const [kind, charts] of [["recs", 6], ["propensity", 6], ["text", 2], ["experiment", 6]]) {
  test(`${kind} report: strict CSP, no error, no request, ${charts} charts with ink`, async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(m.text()); });
    page.on("pageerror", (e) => problems.push(String(e)));
    const url = pathToFileURL(reports[kind]).href;
    const requests = [];
    page.on("request", (r) => { if (r.url() !== url) requests.push(r.url()); });
    await page.goto(url);
    const seen = await page.evaluate(() => ({
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? "",
      // The style block applies, so the CSP hash matches it.
      styled: getComputedStyle(document.body).maxWidth,
      scripts: document.scripts.length,
      svgs: [...document.querySelectorAll("figure svg")].map((s) => s.getBoundingClientRect().width),
    }));
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
    assert.match(seen.csp, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*';/);
    assert.equal(seen.styled, "1040px");
    assert.equal(seen.scripts, 0);
    assert.equal(seen.svgs.length, charts);
    for (const [i, el] of (await page.$$("figure svg")).entries()) {
      const { inked, colours } = await ink(await el.screenshot());
      assert.ok(inked > 0.02 && colours >= 4, `${kind} chart ${i + 1}: ${(100 * inked).toFixed(1)} % inked, ${colours} colours`);
    }
    // On a phone the charts shrink to the screen instead of widening the page.
    await page.setViewportSize({ width: 390, height: 800 });
    const widest = await page.evaluate(() => Math.max(...[...document.querySelectorAll("figure svg")].map((s) => s.getBoundingClientRect().right)));
    assert.ok(widest <= 390, `a chart reaches ${widest}px`);
    await page.close();
  });
}
