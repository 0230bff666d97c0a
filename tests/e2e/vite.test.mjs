// The README's quick start, as a new user would try it: a fresh Vite project (no wasm plugin),
// `npm install` of the packed package tarball, a type check under `strict`, `vite build`, and the
// built page opened in Chromium showing the same recommendations the package gives in Node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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

test("the quick start, pasted into a fresh Vite project, type-checks, builds and shows recommendations", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-vite-"));
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
  const server = await serve({ root: join(dir, "dist") });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelectorAll("#recs li").length > 0, null, { timeout: 15000 });
    const shown = await page.$$eval("#recs li", (lis) => lis.map((li) => li.textContent));
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
    await page.close();
  } finally {
    server.stop();
  }
});

test("the public TypeScript definitions never say `any`", () => {
  const files = { "index.d.ts": null, "profile.d.ts": null, "shelfwise.d.ts": "export type InitInput" };
  for (const [file, rawExportsStart] of Object.entries(files)) {
    let text = readFileSync(resolve(ROOT, "pkg", file), "utf8");
    // shelfwise.d.ts ends with wasm-bindgen's description of the raw wasm exports (pointers, not API).
    if (rawExportsStart) text = text.slice(0, text.indexOf(rawExportsStart));
    const hits = text.split("\n").filter((l) => /\bany\b/.test(l.replace(/\/\*\*.*|^\s*\*.*/g, "")));
    assert.deepEqual(hits, [], `${file} uses any`);
  }
});
