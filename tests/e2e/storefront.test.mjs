// The demo storefront driven as a shopper would, in headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI, ROOT, launch, openStore, seedProfile, serve, shelf } from "./harness.mjs";

const BUNDLE = resolve(ROOT, "www/data/model.bundle");
let server, browser;

before(async () => {
  for (const f of [CLI, BUNDLE, resolve(ROOT, "www/pkg/shelfwise_bg.wasm")]) {
    assert.ok(existsSync(f), `${f} is missing: run scripts/test.sh (it builds the CLI, the bundle and the package)`);
  }
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

test("a shopper's clicks update the shelves at once, and history can be cleared", async () => {
  const { page, errors } = await openStore(browser, server.url);
  assert.equal(await page.textContent("#rec-title"), "Trending now");
  const popular = await shelf(page, "recommended");
  assert.equal(popular.length, 10);
  assert.equal(await page.isVisible("#together-section"), false);
  assert.equal(await page.textContent("#history-count"), "0 items viewed");

  const cards = await shelf(page, "catalog");
  assert.ok(cards.length >= 50, `catalog shows ${cards.length} products`);
  const picked = [cards[3].item, cards[7].item];
  for (const item of picked) await page.click(`#catalog .card[data-item="${item}"]`);

  assert.equal(await page.textContent("#history-count"), "2 items viewed");
  assert.equal(await page.textContent("#rec-title"), "Recommended for you");
  const recs = await shelf(page, "recommended");
  assert.equal(recs.length, 10);
  for (const item of picked) assert.ok(!recs.some((r) => r.item === item), `history item ${item} recommended`);
  assert.notDeepEqual(recs.map((r) => r.item), popular.map((r) => r.item), "recommendations should be personal");
  // The shop's rules, on the device: in stock only, at most 3 per category, one promoted
  // high-margin slot (the second), each recommendation with its reason; organic items by score.
  const organic = recs.filter((r) => !r.promoted);
  for (let i = 1; i < organic.length; i++) assert.ok(organic[i - 1].score >= organic[i].score, "shelf sorted by score");
  assert.ok(recs.every((r) => r.inStock === true), JSON.stringify(recs));
  const perCategory = {};
  for (const r of recs) perCategory[r.category] = (perCategory[r.category] ?? 0) + 1;
  assert.ok(Object.values(perCategory).every((n) => n <= 3), JSON.stringify(perCategory));
  assert.ok(recs.filter((r) => r.promoted).length <= 1);
  assert.ok(recs.some((r) => r.because.length > 0 && r.because.every((b) => picked.includes(b))), JSON.stringify(recs));
  assert.match(await page.textContent("#recommended"), /Because you viewed /);

  assert.equal(await page.isVisible("#similar-section"), true);
  const similar = await shelf(page, "similar");
  assert.equal(similar.length, 6);
  assert.ok(!similar.some((s) => s.item === picked[1]));
  const together = await shelf(page, "together");
  assert.ok(together.length > 0 && together.length <= 6, `bought together: ${together.length}`);
  assert.ok(!together.some((s) => s.item === picked[1]), "bought-together excludes the product itself");
  for (let i = 1; i < together.length; i++) assert.ok(together[i - 1].score >= together[i].score);
  // "Picked for this visit" is forSession over the viewed items (checked against Node below).
  assert.equal(await page.isVisible("#session-section"), true);
  const session = await shelf(page, "session");
  assert.equal(session.length, 10);
  assert.ok(!session.some((s) => picked.includes(s.item)), "session shelf excludes viewed items");
  const viewed = await shelf(page, "history");
  assert.deepEqual(viewed.map((v) => v.item), [...picked].reverse());
  // No product on two shelves of one page.
  const shown = [...recs, ...similar, ...session, ...together].map((s) => s.item);
  assert.equal(new Set(shown).size, shown.length, `repeated across shelves: ${shown}`);
  // Unticking "In stock only" lets out-of-stock products back onto the shelves.
  await page.uncheck("#in-stock");
  const all = await Promise.all(["recommended", "similar", "session", "together"].map((id) => shelf(page, id)));
  await page.check("#in-stock");
  assert.ok(all.flat().some((s) => s.inStock === false), "out-of-stock products return when the filter is off");
  assert.deepEqual((await shelf(page, "recommended")).map((r) => r.item), recs.map((r) => r.item));

  // Titles and prices come from the bundle's catalogue.
  const text = await page.textContent(`#recommended .card[data-item="${recs[0].item}"]`);
  assert.match(text, /£\d+\.\d\d/);

  // Nothing is stored before consent: a reload forgets the session.
  assert.equal(await page.isVisible("#consent"), true);
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  assert.equal(await page.textContent("#history-count"), "0 items viewed");

  // With consent, history persists on the device across reloads, then is erased by the button.
  await page.click("#consent-yes");
  assert.equal(await page.isVisible("#consent"), false);
  for (const item of picked) await page.click(`#catalog .card[data-item="${item}"]`);
  assert.deepEqual((await shelf(page, "recommended")).map((r) => r.item), recs.map((r) => r.item));
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  assert.equal(await page.isVisible("#consent"), false);
  assert.equal(await page.textContent("#history-count"), "2 items viewed");
  assert.deepEqual((await shelf(page, "recommended")).map((r) => r.item), recs.map((r) => r.item));

  // "Download my data" hands over exactly what is stored.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-data")]);
  const exported = JSON.parse((await import("node:fs")).readFileSync(await download.path(), "utf8"));
  assert.equal(exported.format, "shelfwise-profile/1");
  assert.match(exported.consentGiven, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(exported.events.map((e) => [e.kind, e.item]), picked.map((i) => ["view", i]));

  await page.click("#clear-history");
  assert.equal(await page.textContent("#history-count"), "0 items viewed");
  assert.equal(await page.textContent("#rec-title"), "Trending now");
  assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem("shelfwise-demo-profile"))).events, []);
  await page.click("#forget");
  assert.equal(await page.evaluate(() => localStorage.getItem("shelfwise-demo-profile")), null);
  assert.equal(await page.isVisible("#consent"), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page's top-10 equals `shelfwise recommend` with the same rules, bundle and histories", async () => {
  const { page } = await openStore(browser, server.url);
  const items = (await shelf(page, "catalog")).map((c) => c.item);
  const histories = {
    one: [items[0]],
    three: [items[1], items[5], items[9]],
    seven: items.slice(11, 18),
    spread: [items[10], items[20], items[30], items[40], items[49]],
    unknown: ["NOT-A-PRODUCT", items[3]],
  };
  const dir = mkdtempSync(join(tmpdir(), "shelfwise-e2e-"));
  const csv = ["shopper,sku", ...Object.entries(histories).flatMap(([u, h]) => h.map((i) => `${u},${i}`))].join("\n");
  writeFileSync(join(dir, "histories.csv"), csv + "\n");
  // The page's rules for this shelf (www/app.js MAIN_SHELF, in stock only), given to the CLI.
  const rules = ["--filter", "in_stock", "--max-per", "category:3", "--promote", "margin >= 0.5", "--promote-share", "0.1"];
  execFileSync(CLI, ["recommend", "--model", BUNDLE, "--histories", join(dir, "histories.csv"), "--user-col", "shopper", "--item-col", "sku", "--k", "10", ...rules, "--out", join(dir, "recs.csv")], { stdio: "pipe" });
  const native = {};
  for (const line of (await import("node:fs")).readFileSync(join(dir, "recs.csv"), "utf8").trim().split("\n").slice(1)) {
    const [user, item, rank, score] = line.split(",");
    (native[user] ??= []).push({ item, rank: Number(rank), score: Number(score) });
  }
  for (const [user, h] of Object.entries(histories)) {
    await seedProfile(page, "shelfwise-demo-profile", h);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === "true");
    const shown = await shelf(page, "recommended");
    assert.equal(shown.length, 10, user);
    assert.deepEqual(shown.map((s) => s.item), native[user].map((n) => n.item), `ranking for ${user}`);
    shown.forEach((s, i) => assert.ok(Math.abs(s.score - native[user][i].score) <= 1e-5, `${user} #${i + 1}: page ${s.score} vs native ${native[user][i].score}`));
  }
  await page.close();
});

test("a corrupt bundle is reported on the page, not a crash", async () => {
  const page = await browser.newPage();
  await page.route("**/data/model.bundle", async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[body.length >> 1] ^= 0xff;
    await route.fulfill({ response: res, body });
  });
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "error");
  assert.match(await page.textContent("#status"), /checksum mismatch/);
  await page.close();
});

test("no network requests while a shopper browses", async () => {
  const { page } = await openStore(browser, server.url);
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const items = (await shelf(page, "catalog")).map((c) => c.item);
  for (const item of items.slice(0, 5)) await page.click(`#catalog .card[data-item="${item}"]`);
  const rec = await shelf(page, "recommended");
  await page.click(`#recommended .card[data-item="${rec[0].item}"]`);
  await page.fill("#search", "heart");
  await page.click("#clear-history");
  // A click opens the product's page (`#/product/ID`, a same-document address change), on which
  // Chromium reads the page's icon again: the one request allowed, the same fixed address for
  // every shopper and every product (the fragment never leaves the browser).
  const icon = new URL("favicon.svg", server.url).href;
  assert.deepEqual(requests.filter((u) => u !== icon), []);
  await page.close();
});

test("\"Picked for this visit\" equals forSession computed by the package in Node", async () => {
  const { page } = await openStore(browser, server.url);
  const items = (await shelf(page, "catalog")).map((c) => c.item);
  const viewed = [items[4], items[12], items[25]];
  await seedProfile(page, "shelfwise-demo-profile", viewed);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  const shown = await shelf(page, "session");
  // The shelves above it are left out (one PageContext per page), and so are out-of-stock items.
  const above = [...(await shelf(page, "recommended")), ...(await shelf(page, "similar"))].map((s) => s.item);
  const { Recommender } = await import(resolve(ROOT, "pkg/node.js"));
  const rec = Recommender.fromBytes(readFileSync(BUNDLE));
  const expected = rec.forSession(viewed, { k: 10, exclude: above, filter: "in_stock" });
  assert.deepEqual(shown.map((s) => s.item), expected.map((s) => s.item));
  shown.forEach((s, i) => assert.ok(Math.abs(s.score - expected[i].score) <= 1e-6));
  rec.dispose();
  await page.close();
});

test("the search box ranks products by title on the device, half-typed words included", async () => {
  const { page, errors } = await openStore(browser, server.url);
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const { Recommender } = await import(resolve(ROOT, "pkg/node.js"));
  const rec = Recommender.fromBytes(readFileSync(BUNDLE));
  assert.equal(rec.info().hasTextIndex, true);
  const titles = new Map(rec.catalog().map((c) => [c.item, c.title]));
  for (const query of ["hanging heart t-light holder", "lant"]) {
    await page.fill("#search", query);
    assert.equal(await page.textContent("#cat-title"), "Search results");
    const shown = await shelf(page, "catalog");
    const expected = rec.similarByText(query, { k: 60 });
    assert.ok(expected.length >= 5, `${query}: ${expected.length} matches`);
    assert.deepEqual(shown.map((s) => s.item), expected.map((s) => s.item), query);
    shown.forEach((s, i) => assert.ok(Math.abs(s.score - expected[i].score) <= 1e-6));
    for (let i = 1; i < shown.length; i++) assert.ok(shown[i - 1].score >= shown[i].score);
  }
  // The half-typed word finds lanterns first.
  const top = (await shelf(page, "catalog")).slice(0, 3);
  for (const s of top) assert.match(titles.get(s.item), /LANTERN/, s.item);
  await page.fill("#search", "hanging heart t-light holder");
  const first = (await shelf(page, "catalog"))[0];
  assert.match(titles.get(first.item), /HANGING HEART T-LIGHT HOLDER/);
  // A new product's title, and an existing item's title: both rank real products.
  const like = rec.similarByText({ item: first.item }, { k: 5 });
  assert.ok(like.length === 5 && !like.some((s) => s.item === first.item));
  await page.fill("#search", "");
  assert.equal(await page.textContent("#cat-title"), "All products");
  assert.deepEqual(requests, [], "search runs on the device");
  assert.deepEqual(errors, []);
  rec.dispose();
  await page.close();
});

test("the demo's experiment: a variant shelf, clicks counted on the device, what a report would hold", async () => {
  const { page, errors } = await openStore(browser, server.url);
  const picks = await shelf(page, "picks");
  assert.equal(picks.length, 6);
  assert.match(await page.textContent("#picks-variant"), /personalised on this device|our bestsellers/);
  await page.click("#share-box summary");
  assert.match(await page.textContent("#share"), /clicked one of our picks \(no .*Never which products, never who you are/);
  await page.click(`#picks .card[data-item="${picks[0].item}"]`);
  assert.match(await page.textContent("#share"), /clicked one of our picks \(yes — sent truthfully with probability 73 %/);
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), [], "nothing stored before consent");
  await page.click("#consent-yes");
  await page.click(`#catalog .card[data-item="${picks[1].item}"]`);
  assert.ok(await page.evaluate(() => localStorage.getItem("shelfwise-experiment-demo-picks") !== null));
  await page.click("#forget");
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), [], "forget erases the experiment too");
  assert.deepEqual(errors, []);
  await page.close();
});

test("product pages: a route per product with its picture, similar and bought-together shelves; back returns home", async () => {
  const { page, errors } = await openStore(browser, server.url);
  const cards = await shelf(page, "catalog");
  // Every card carries a generated picture in its category's colour and initial.
  const pictures = await page.$$eval("#catalog .card", (cs) => cs.map((c) => [c.dataset.category, c.querySelector("svg.thumb")?.dataset.category]));
  assert.ok(pictures.length >= 50 && pictures.every(([a, b]) => a && a === b), JSON.stringify(pictures.slice(0, 5)));
  const item = cards[2].item;
  const title = (await page.textContent(`#catalog .card[data-item="${item}"] .title`)).trim();
  await page.click(`#catalog .card[data-item="${item}"]`);
  assert.equal(new URL(page.url()).hash, `#/product/${encodeURIComponent(item)}`);
  assert.equal(await page.isVisible("#product"), true);
  assert.equal((await page.textContent("#product-title")).trim(), title);
  assert.match(await page.textContent("#product-price"), /^£\d+\.\d\d$/);
  assert.equal(await page.textContent("#product-code"), item);
  assert.equal(await page.getAttribute("#product-thumb svg", "data-category"), cards[2].category);
  // The product's own shelves come right under it, above "Recommended for you".
  const y = async (sel) => (await page.locator(sel).boundingBox()).y;
  assert.ok((await y("#product")) < (await y("#similar-section")) && (await y("#similar-section")) < (await y("#recommended")));
  assert.equal(await page.textContent("#similar-to"), title.toLowerCase());
  assert.equal((await shelf(page, "similar")).length, 6);
  await page.click("#add-to-cart");
  assert.match(await page.textContent("#cart-note"), /In your basket/);
  // Back: home again, and going back is not another view.
  await page.goBack();
  await page.waitForFunction(() => document.getElementById("product").hidden);
  assert.equal(await page.textContent("#history-count"), "1 item viewed");
  assert.equal(await page.isVisible("#product"), false);

  // A link to a product page opens it and counts as a view; reloading it is not another.
  const other = cards[9].item;
  const linked = await browser.newPage();
  await linked.goto(`${server.url}#/product/${encodeURIComponent(other)}`);
  await linked.waitForFunction(() => document.body.dataset.ready === "true");
  assert.equal(await linked.textContent("#product-code"), other);
  assert.equal(await linked.textContent("#history-count"), "1 item viewed");
  await linked.evaluate(() => localStorage.clear());
  await linked.reload();
  await linked.waitForFunction(() => document.body.dataset.ready === "true");
  assert.equal(await linked.textContent("#product-code"), other);
  assert.equal(await linked.textContent("#history-count"), "0 items viewed", "no consent: the reload forgot the visit and did not add one");
  // An address naming no product shows the home page.
  await linked.goto(`${server.url}#/product/NOT-A-PRODUCT`);
  await linked.waitForFunction(() => document.body.dataset.ready === "true");
  assert.equal(await linked.isVisible("#product"), false);
  assert.equal((await shelf(linked, "recommended")).length, 10);
  await linked.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test("on a 390 px phone nothing overflows: the header wraps, shelves take two columns, the product page stacks", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  const overflow = () => page.evaluate(() => {
    const wide = [...document.querySelectorAll("header *, main *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5);
    return { page: document.documentElement.scrollWidth, wide: wide.slice(0, 5).map((e) => e.id || e.className || e.tagName) };
  });
  assert.deepEqual(await overflow(), { page: 390, wide: [] });
  for (const b of ["#clear-history", "#export-data"]) assert.equal(await page.isVisible(b), true);
  const columns = await page.$eval("#catalog", (g) => getComputedStyle(g).gridTemplateColumns.split(" ").length);
  assert.equal(columns, 2);
  const first = (await shelf(page, "catalog"))[0].item;
  await page.click(`#catalog .card[data-item="${first}"]`);
  assert.deepEqual(await overflow(), { page: 390, wide: [] });
  mkdirSync(resolve(ROOT, "target/e2e"), { recursive: true });
  await page.screenshot({ path: resolve(ROOT, "target/e2e/store-390px-product.png"), fullPage: false });
  assert.deepEqual(errors, []);
  await page.close();
});
