// What merchandising rules add to a top-10 in headless Chromium: a 100k × 64 int8 synthetic
// bundle with attributes (examples/synth_bundle.rs, SYNTH_ATTRS=1), one recommend per case.
// Run: bash scripts/bench-browser.sh rules
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, launch, serve } from "../../tests/e2e/harness.mjs";

const OUT = resolve(ROOT, "bench/out");
const N = 100_000;
mkdirSync(OUT, { recursive: true });
const bundle = join(OUT, `synth-${N}x64-int8-attrs.bundle`);
if (!existsSync(bundle)) {
  const args = ["run", "--release", "--quiet", "--example", "synth_bundle", "--", String(N), "64", "int8", bundle];
  process.stderr.write(execFileSync("cargo", args, { cwd: ROOT, env: { ...process.env, SYNTH_ATTRS: "1" } }).toString());
}
const site = mkdtempSync(join(tmpdir(), "shelfwise-bench-"));
const here = resolve(ROOT, "bench/browser");
symlinkSync(resolve(ROOT, "pkg"), join(site, "pkg"));
symlinkSync(OUT, join(site, "out"));
for (const f of ["recs.html", "recs-page.js"]) symlinkSync(join(here, f), join(site, f));
const server = await serve({ root: site, isolate: true });
const browser = await launch();
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}recs.html`);
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 60_000 });
  const r = await page.evaluate((cfg) => globalThis.benchRules(cfg), { url: "./out/" + bundle.split("/").pop(), n: N });
  const ua = await page.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0]);
  const base = r.plain.median;
  console.log(`${N.toLocaleString("en")} items × 64 factors, int8, headless ${ua}; median (p95) of 300 calls per case, interleaved in 15 rounds, ms\n`);
  console.log("| request | top-10 | added to plain |\n|---|---:|---:|");
  for (const [name, t] of Object.entries(r)) {
    if (name === "n") continue;
    console.log(`| ${name} | ${t.median.toFixed(3)} (${t.p95.toFixed(3)}) | ${name === "plain" ? "—" : `+${(t.median - base).toFixed(3)}`} |`);
  }
} finally {
  await browser.close();
  server.stop();
}
