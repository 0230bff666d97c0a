// Top-10 latency in headless Chromium: shelfwise (f32 and int8 bundles) beside TensorFlow.js's
// wasm backend (matMul + topk) on the same factors, over N items × d factors; bundle load;
// fold-in + recommend for a 50-item history. Prints a table and rewrites that section of
// BENCHMARKS.md. Run: bash scripts/bench-browser.sh recs   (options: --quick)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, launch, serve } from "../../tests/e2e/harness.mjs";

const quick = process.argv.includes("--quick");
const OUT = resolve(ROOT, "bench/out");
const SIZES = quick ? [10_000, 100_000] : [10_000, 100_000, 500_000];
const DIMS = quick ? [64] : [32, 64, 128];
const STORAGES = ["f32", "int8"];
mkdirSync(OUT, { recursive: true });

for (const n of SIZES) {
  for (const d of DIMS) {
    for (const q of STORAGES) {
      const bundle = join(OUT, `synth-${n}x${d}-${q}.bundle`);
      if (existsSync(bundle)) continue;
      const args = ["run", "--release", "--quiet", "--example", "synth_bundle", "--", String(n), String(d), q === "f32" ? "none" : q, bundle];
      if (q === "f32") args.push(join(OUT, `synth-${n}x${d}.f32`));
      process.stderr.write(execFileSync("cargo", args, { cwd: ROOT }).toString());
    }
  }
}

// The read floor: a separate tiny wasm module that only streams bytes (examples/read_floor.rs).
execFileSync("cargo", ["build", "--release", "--quiet", "--example", "read_floor", "--target", "wasm32-unknown-unknown", "--no-default-features"], { cwd: ROOT, stdio: "inherit" });
writeFileSync(join(OUT, "read_floor.wasm"), readFileSync(resolve(ROOT, "target/wasm32-unknown-unknown/release/examples/read_floor.wasm")));

const site = mkdtempSync(join(tmpdir(), "shelfwise-bench-"));
const here = resolve(ROOT, "bench/browser");
symlinkSync(resolve(ROOT, "pkg"), join(site, "pkg"));
symlinkSync(join(here, "node_modules/@tensorflow/tfjs/dist"), join(site, "tfjs"));
symlinkSync(join(here, "node_modules/@tensorflow/tfjs-backend-wasm/dist"), join(site, "tfjs-wasm"));
symlinkSync(OUT, join(site, "out"));
for (const f of ["recs.html", "recs-page.js"]) symlinkSync(join(here, f), join(site, f));

const server = await serve({ root: site, isolate: true });
const browser = await launch();
const rows = [];
let env = "";
try {
  for (const n of SIZES) {
    for (const d of DIMS) {
      const page = await browser.newPage();
      page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
      await page.goto(`${server.url}recs.html`);
      await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 60_000 });
      const r = await page.evaluate((cfg) => globalThis.bench(cfg), { n, d, storages: STORAGES, tfjs: true });
      env = `headless ${await page.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0])}, cross-origin isolated: ${r.isolated}, TF.js ${r.tf_backend} backend (SIMD ${r.tf_simd}, threads ${r.tf_threads})`;
      rows.push(r);
      console.error(`${n} x ${d}: int8 ${r.int8_top10.median.toFixed(3)} ms, f32 ${r.f32_top10.median.toFixed(3)} ms, read floor ${r.floor_int8.median.toFixed(3)} / ${r.floor_f32.median.toFixed(3)} ms, tf.js ${r.tf_top10.median.toFixed(3)} ms`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.stop();
}

const ms = (s) => `${s.median.toFixed(3)} / ${s.p95.toFixed(3)}`;
const mb = (b) => (b / 1e6).toFixed(1);
const table = [
  `Run of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ${env}. Times in ms, median / p95 of 40 calls`
  + " (load: of 7); \"top-10\" is `recommend` with a one-item history (fold-in + scoring every item + top-10), \"50-item\" the same for a 50-item history;"
  + " \"load + 1st\" is loading the bundle and answering the first top-10 (f32 models build their int8 screen then);"
  + " \"read floor\" is the median time a separate wasm module takes only to stream the int8 / f32 factor bytes through SIMD loads (examples/read_floor.rs).",
  "",
  "| items × factors | int8 top-10 | f32 top-10 | read floor int8 / f32 | TF.js wasm top-10 | TF.js ÷ int8 | int8 50-item | f32 50-item | bundle MB f32 / int8 | load f32 | load int8 | load + 1st f32 / int8 |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.n.toLocaleString("en")} × ${r.d} | ${ms(r.int8_top10)} | ${ms(r.f32_top10)} | ${r.floor_int8.median.toFixed(3)} / ${r.floor_f32.median.toFixed(3)} | ${ms(r.tf_top10)} | ${(r.tf_top10.median / r.int8_top10.median).toFixed(1)}× | ${ms(r.int8_fold50)} | ${ms(r.f32_fold50)} | ${mb(r.f32_bytes)} / ${mb(r.int8_bytes)} | ${ms(r.f32_load)} | ${ms(r.int8_load)} | ${r.f32_cold.median.toFixed(1)} / ${r.int8_cold.median.toFixed(1)} |`),
].join("\n");
console.log(table);

if (!quick) {
  const path = resolve(ROOT, "BENCHMARKS.md");
  const text = readFileSync(path, "utf8");
  const [start, end] = ["<!-- bench:recs:start -->", "<!-- bench:recs:end -->"];
  if (text.includes(start) && text.includes(end)) {
    writeFileSync(path, text.slice(0, text.indexOf(start) + start.length) + "\n" + table + "\n" + text.slice(text.indexOf(end)));
    console.error("updated BENCHMARKS.md");
  }
}
