// Shared browser-test plumbing: a loopback static server and Debian's Chromium via playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The shelfwise CLI: `SHELFWISE_CLI` (scripts/test.sh points it at the binary its native tests built), else the release build. */
export const CLI = process.env.SHELFWISE_CLI ?? resolve(ROOT, "target/release/shelfwise");

/** Starts scripts/serve.mjs on a free port; resolves to { url, stop }. */
export function serve({ root = "www", csp = false, isolate = false } = {}) {
  const args = [resolve(ROOT, "scripts/serve.mjs"), "--root", resolve(ROOT, root), "--port", "0"];
  if (csp) args.push("--csp");
  if (isolate) args.push("--isolate");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    child.stdout.on("data", (b) => {
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(String(b));
      if (m) ok({ url: m[0], stop: () => child.kill() });
    });
    child.on("exit", (code) => fail(new Error(`server exited with ${code}`)));
  });
}

/**
 * Serves a throw-away site: the built package at /pkg/, the demo bundle at /model.bundle, and
 * `pages` ({ "name.html": "text" }). Resolves like `serve`.
 */
export function servePages(pages = {}) {
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-site-"));
  symlinkSync(resolve(ROOT, "pkg"), join(dir, "pkg"), "dir");
  symlinkSync(resolve(ROOT, "www/data/model.bundle"), join(dir, "model.bundle"));
  for (const [name, text] of Object.entries(pages)) writeFileSync(join(dir, name), text);
  return serve({ root: dir });
}

/**
 * A one-page site (`html`, beside the package and the demo bundle) and a headless browser:
 * `open()` gives a page in a fresh context once `document.body.dataset.ready` is "true";
 * `close()` ends both.
 */
export async function pageSite(html) {
  const server = await servePages({ "index.html": html });
  const browser = await launch();
  return {
    async open() {
      const page = await (await browser.newContext()).newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.body.dataset.ready === "true");
      return page;
    },
    async close() {
      await browser.close();
      server.stop();
    },
  };
}

/** Headless Debian Chromium with the flags this closed network needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Opens the storefront and waits until the model is loaded. Fails on page errors. */
export async function openStore(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.on("console", (m) => { if (m.type() === "error") errors.push(new Error(m.text())); });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready);
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== "true") throw new Error(`page failed: ${await page.textContent("#status")}`);
  return { page, errors };
}

/** The items and scores currently shown on a shelf. */
export function shelf(page, id) {
  return page.$$eval(`#${id} .card`, (cards) => cards.map((c) => ({
    item: c.dataset.item,
    score: c.dataset.score === undefined ? undefined : Number(c.dataset.score),
    promoted: c.dataset.promoted === "true",
    because: c.dataset.because?.split(" ") ?? [],
    inStock: c.dataset.inStock === undefined ? undefined : c.dataset.inStock === "true",
    category: c.dataset.category,
  })));
}

/** CSV text → plain objects typed as a front end would send them (numbers, booleans, strings). */
export function csvRecords(csv) {
  const [head, ...lines] = csv.trim().split(/\r?\n/);
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => {
    if (v === "TRUE" || v === "FALSE") return [cols[i], v === "TRUE"];
    if (v !== "" && !Number.isNaN(Number(v))) return [cols[i], Number(v)];
    return [cols[i], v];
  })));
}

/** Stores a consented profile whose views are `items` (oldest first), as `Profile` writes it. */
export function seedProfile(page, key, items) {
  return page.evaluate(([key, items]) => {
    const now = Date.now();
    const events = items.map((item, i) => ["view", item, now - (items.length - i) * 1000]);
    localStorage.setItem(key, JSON.stringify({ format: "shelfwise-profile/1", consentAt: now - 1e6, events }));
  }, [key, items]);
}
