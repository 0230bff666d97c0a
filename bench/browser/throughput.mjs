// In-browser throughput, headless Chromium: propensity scoreBatch (records/s) per family on the
// Online Shoppers held-out rows, and recommend() latency on the demo bundle.
// Run: bash scripts/bench-browser.sh
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, csvRecords as records, launch, openStore, serve } from "../../tests/e2e/harness.mjs";

const CLI = resolve(ROOT, "target/release/shelfwise");
const OSI = resolve(ROOT, "../shared/data/online-shoppers-intention/online_shoppers_intention.csv");

const server = await serve();
const browser = await launch();
try {
  const { page } = await openStore(browser, server.url);
  const ua = await page.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0]);
  console.log(`browser: headless ${ua}`);
  if (existsSync(OSI)) {
    const dir = mkdtempSync(join(tmpdir(), "shelfwise-bb-"));
    console.log("| propensity model | bundle bytes | records/s (median of 7 batches of 3,083) |");
    console.log("|---|---:|---:|");
    for (const model of ["logistic", "gbt", "forest", "mlp"]) {
      const bundle = join(dir, `${model}.bundle`);
      execFileSync(CLI, ["train", "propensity", "--input", OSI, "--target", "Revenue", "--model", model, "--out", bundle, "--test-out", join(dir, "test.csv")], { stdio: "pipe" });
      const recs = records(readFileSync(join(dir, "test.csv"), "utf8"));
      const bytes = [...readFileSync(bundle)];
      const rate = await page.evaluate(async ({ bytes, recs }) => {
        const m = await import("./pkg/shelfwise.js");
        const p = m.Propensity.fromBytes(new Uint8Array(bytes));
        p.scoreBatch(recs);
        const rates = [];
        for (let i = 0; i < 7; i++) {
          const t = performance.now();
          p.scoreBatch(recs);
          rates.push(recs.length / ((performance.now() - t) / 1000));
        }
        p.free();
        return rates.sort((a, b) => a - b)[3];
      }, { bytes, recs });
      console.log(`| ${model} | ${bytes.length} | ${Math.round(rate).toLocaleString("en")} |`);
    }
  } else {
    console.log(`SKIPPED propensity: ${OSI} is absent`);
  }
  const lat = await page.evaluate(async () => {
    const m = await import("./pkg/shelfwise.js");
    const bytes = new Uint8Array(await (await fetch("./data/model.bundle")).arrayBuffer());
    let t = performance.now();
    const rec = m.Recommender.fromBytes(bytes);
    const load = performance.now() - t;
    const items = rec.catalog().map((c) => c.item);
    const hist = items.slice(0, 50);
    const times = [];
    for (let i = 0; i < 300; i++) {
      t = performance.now();
      rec.recommend(hist, { k: 10 });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { items: items.length, bytes: bytes.length, load, median: times[150], p95: times[285] };
  });
  console.log(`demo bundle (${lat.items} items, EASE, ${lat.bytes} bytes): load ${lat.load.toFixed(2)} ms; recommend(50-item history, k=10) median ${lat.median.toFixed(3)} ms, p95 ${lat.p95.toFixed(3)} ms (300 calls)`);
} finally {
  await browser.close();
  server.stop();
}
