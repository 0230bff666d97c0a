// The README's quick start, as a new user would try it: a fresh Vite project (no wasm plugin),
// `npm install` of the packed package tarball, a type check under `strict`, `vite build`, and the
// built page opened in Chromium showing the same recommendations the package gives in Node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT, launch, serve } from "./harness.mjs";

const EXAMPLE = resolve(ROOT, "examples/vite-app");
const BUNDLE = resolve(ROOT, "www/data/model.bundle");
const npm = (cwd, ...args) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, stdio: "pipe" }).toString();

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function quickStart() {
  const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
  const m = /<!-- quick-start:[^>]*-->\n```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, "README.md has a marked quick-start block");
  return m[1];
}

test("the README quick start is the Vite example's main.js, word for word, and so is the npm README's", () => {
  const main = readFileSync(join(EXAMPLE, "src/main.js"), "utf8");
  assert.equal(quickStart(), main);
  assert.ok(readFileSync(resolve(ROOT, "pkg-template/README.md"), "utf8").includes("```js\n" + main + "```"));
});

/** The fresh project the build test makes; the dev-server test reuses it. */
let project, built;

test("the quick start, pasted into a fresh Vite project, type-checks, builds and shows recommendations", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-vite-"));
  project = dir;
  for (const f of ["package.json", "package-lock.json", "index.html", "tsconfig.json"]) copyFileSync(join(EXAMPLE, f), join(dir, f));
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src/main.js"), quickStart());
  mkdirSync(join(dir, "public"));
  copyFileSync(BUNDLE, join(dir, "public/model.bundle"));

  // `npm install shelfwise`, from the tarball `npm publish` would upload.
  const tarball = npm(dir, "pack", resolve(ROOT, "pkg"), "--pack-destination", dir).trim().split("\n").pop();
  npm(dir, "ci", "--prefer-offline");
  npm(dir, "install", "--no-save", join(dir, tarball));
  npm(dir, "run", "build"); // tsc --noEmit (strict, checkJs) && vite build

  const wasm = readFileSync(join(dir, "dist/index.html"), "utf8");
  assert.match(wasm, /<script type="module"/);
  const { shown, errors } = await shelfOf(join(dir, "dist"));
  assert.deepEqual(errors, []);

  // The same steps in Node with the same package give the same five items and scores.
  writeFileSync(join(dir, "node-check.mjs"), `
    import { readFileSync } from "node:fs";
    import { Profile, Recommender } from "shelfwise";
    const rec = Recommender.fromBytes(readFileSync("public/model.bundle"));
    const profile = await Profile.open({ storage: "memory" });
    for (const { item } of rec.popular({ k: 3 })) await profile.view(item);
    console.log(JSON.stringify(rec.recommend(profile.history(), { k: 5 }).map(({ item, score }) => \`\${item} (\${score.toFixed(3)})\`)));
  `);
  const expected = JSON.parse(execFileSync(process.execPath, ["node-check.mjs"], { cwd: dir }).toString());
  assert.equal(shown.length, 5);
  assert.deepEqual(shown, expected);
  built = shown;
});

/** The shelf a built page at `root` shows in Chromium, and the errors it logged on the way. */
async function shelfOf(root) {
  const server = await serve({ root });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelectorAll("#recs li").length > 0, null, { timeout: 15000 });
    const shown = await page.$$eval("#recs li", (lis) => lis.map((li) => li.textContent));
    await page.close();
    return { shown, errors };
  } finally {
    server.stop();
  }
}

/** A free loopback port. */
function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

test("the same project under Vite's dev server (the tarball install), and a page without #recs fails loudly", async () => {
  assert.ok(project && built, "the build test ran first");
  writeFileSync(join(project, "no-list.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="/src/main.js"></script><h1>no shelf</h1>');
  const port = await freePort();
  const vite = spawn(join(project, "node_modules/.bin/vite"), ["--host", "127.0.0.1", "--port", String(port), "--strictPort"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
  try {
    await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error("vite dev server did not start")), 30000);
      vite.stdout.on("data", (b) => { if (String(b).includes(`${port}`)) { clearTimeout(timer); ok(); } });
      vite.on("exit", (code) => fail(new Error(`vite exited with ${code}`)));
    });
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.querySelectorAll("#recs li").length > 0, null, { timeout: 30000 });
    assert.deepEqual(await page.$$eval("#recs li", (lis) => lis.map((li) => li.textContent)), built);
    assert.deepEqual(errors, []);
    const thrown = [];
    page.on("pageerror", (e) => thrown.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/no-list.html`);
    await page.waitForFunction(() => document.readyState === "complete");
    for (let i = 0; i < 100 && !thrown.length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(thrown.some((m) => m.includes('<ol id="recs"></ol>')), JSON.stringify(thrown));
    await page.close();
  } finally {
    vite.kill();
  }
});

test("the quick start from \"shelfwise/recs\" type-checks, ships only the recommendations-only wasm (≤ 120 KB gzip) and shows the same shelf", async () => {
  assert.ok(project && built, "the build test ran first");
  const main = quickStart().replace('from "shelfwise";', 'from "shelfwise/recs";');
  assert.notEqual(main, quickStart());
  writeFileSync(join(project, "src/main.js"), main);
  try {
    rmSync(join(project, "dist"), { recursive: true, force: true });
    npm(project, "run", "build"); // tsc --noEmit (strict, checkJs) against recs.d.ts, then vite build
    const wasm = readdirSync(join(project, "dist/assets")).filter((f) => f.endsWith(".wasm"));
    assert.equal(wasm.length, 1, JSON.stringify(wasm));
    const shipped = readFileSync(join(project, "dist/assets", wasm[0]));
    assert.ok(shipped.equals(readFileSync(resolve(ROOT, "pkg/recs/shelfwise_bg.wasm"))), "the page ships pkg/recs's wasm");
    const gzip = gzipSync(shipped, { level: 9 }).length;
    assert.ok(gzip <= 120_000, `the recommendations-only runtime is ${gzip} B gzip, over the 120,000 B budget`);
    assert.ok(gzip < gzipSync(readFileSync(resolve(ROOT, "pkg/shelfwise_bg.wasm")), { level: 9 }).length);
    const { shown, errors } = await shelfOf(join(project, "dist"));
    assert.deepEqual(shown, built);
    assert.deepEqual(errors, []);
  } finally {
    writeFileSync(join(project, "src/main.js"), quickStart());
  }
});

test("the public TypeScript definitions never say `any`", () => {
  const files = {
    "index.d.ts": null,
    "recs.d.ts": null,
    "profile.d.ts": null,
    "shelfwise.d.ts": "export type InitInput",
    "recs/shelfwise.d.ts": "export type InitInput",
  };
  for (const [file, rawExportsStart] of Object.entries(files)) {
    let text = readFileSync(resolve(ROOT, "pkg", file), "utf8");
    // shelfwise.d.ts ends with wasm-bindgen's description of the raw wasm exports (pointers, not API).
    if (rawExportsStart) text = text.slice(0, text.indexOf(rawExportsStart));
    const hits = text.split("\n").filter((l) => /\bany\b/.test(l.replace(/\/\*\*.*|^\s*\*.*/g, "")));
    assert.deepEqual(hits, [], `${file} uses any`);
  }
});
