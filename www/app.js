// The demo storefront: the shelfwise package used exactly as a shop would use it.
import init, { Experiment, PageContext, Profile, Recommender, truthProbability } from "./pkg/index.js";

const SHOWN = 60;
const $ = (id) => document.getElementById(id);

/** The shopper's on-device profile (opened in main). */
let profile;
/** The demo's experiment: the "Our picks" shelf from shelfwise or from the bestseller list. */
let experiment;
const EPSILON = 1;
let rec;
let info;
let byId = new Map();
let catalog = [];

/** The shop's rules for its main shelf, applied on this device: at most three products of a
 * category, one slot in ten for a high-margin product, and why each product is there. */
const MAIN_SHELF = { k: 10, maxPerGroup: { attribute: "category", n: 3 }, promote: { filter: "margin >= 0.5", share: 0.1 }, reasons: true };

/** What every shelf shares: the in-stock filter, when ticked (the demo's stock flags are made up). */
function rules() {
  return $("in-stock").checked ? { filter: "in_stock" } : {};
}

function titleOf(item) {
  return (byId.get(item)?.title ?? item).toLowerCase();
}

/** Soft colours for product thumbnails, one per category (by a hash of its name). */
const SWATCHES = ["#d8ebe4", "#f3e1c7", "#dfe4f2", "#f2dbe0", "#e4ecd0", "#ece0f2", "#d6eaf2", "#f5ead0", "#e2e2e2", "#f0d8cc"];
const INKS = ["#2f6f5e", "#8a5a00", "#3b4f8c", "#8c3b4f", "#55702a", "#6a3b8c", "#2a6a80", "#7a6420", "#555555", "#8a4a30"];

function hashOf(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** A generated product picture: the category's colour and initial, and the product's own
 * shape (from its code), so a shelf looks like a shelf without any image being fetched. */
function thumb(entry, large = false) {
  const NS = "http://www.w3.org/2000/svg";
  const category = entry.attributes?.category ?? "shop";
  const c = hashOf(category) % SWATCHES.length;
  const h = hashOf(entry.item);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 100 64");
  svg.setAttribute("class", "thumb");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${category} product`);
  svg.dataset.category = category;
  const el = (name, attrs) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    svg.append(e);
    return e;
  };
  el("rect", { width: 100, height: 64, fill: SWATCHES[c] });
  const x = 62 + (h % 20), y = 20 + ((h >> 5) % 24), r = 10 + ((h >> 10) % 10);
  el(h % 2 ? "circle" : "rect", h % 2 ? { cx: x, cy: y, r, fill: INKS[c], opacity: 0.18 } : { x: x - r, y: y - r, width: 2 * r, height: 2 * r, rx: 4, fill: INKS[c], opacity: 0.18 });
  el("text", { x: 22, y: 44, "font-size": 34, "font-family": "system-ui, sans-serif", "font-weight": 700, fill: INKS[c], "text-anchor": "middle" })
    .textContent = category[0].toUpperCase();
  if (large) el("text", { x: 50, y: 60, "font-size": 6, "font-family": "system-ui, sans-serif", fill: INKS[c], "text-anchor": "middle" }).textContent = category;
  return svg;
}

function card(item, score, scored = {}) {
  const entry = byId.get(item) ?? { item };
  const li = document.createElement("li");
  const div = document.createElement("div");
  div.className = "card";
  div.tabIndex = 0;
  div.dataset.item = item;
  if (score !== undefined) div.dataset.score = String(score);
  div.append(thumb(entry));
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = entry.title ?? item;
  const meta = document.createElement("span");
  meta.className = "meta";
  const price = document.createElement("span");
  price.className = "price";
  price.textContent = entry.price !== undefined ? `£${entry.price.toFixed(2)}` : "";
  const code = document.createElement("span");
  code.textContent = item;
  meta.append(price, code);
  div.append(title);
  const inStock = entry.attributes?.in_stock;
  if (inStock !== undefined) div.dataset.inStock = String(inStock);
  if (entry.attributes?.category) div.dataset.category = entry.attributes.category;
  if (scored.promoted) {
    div.dataset.promoted = "true";
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "Promoted";
    div.append(badge);
  }
  if (scored.because?.length) {
    div.dataset.because = scored.because.join(" ");
    const why = document.createElement("span");
    why.className = "because";
    why.textContent = `Because you viewed ${titleOf(scored.because[0])}`;
    div.append(why);
  }
  div.append(meta);
  div.addEventListener("click", () => view(item));
  div.addEventListener("keydown", (e) => { if (e.key === "Enter") view(item); });
  li.append(div);
  return li;
}

function fill(list, items) {
  list.replaceChildren(...items.map((s) => card(s.item, s.score, s)));
}

/** A click on a product: counts it, records the view and opens its page (`#/product/ID`). */
async function view(item) {
  if ($("picks").querySelector(`[data-item="${CSS.escape(item)}"]`)) experiment.click("picks");
  await profile.view(item);
  history.pushState(null, "", `#/product/${encodeURIComponent(item)}`);
  showProduct(item);
  render(item);
}

/** The product in the address (`#/product/ID`), or undefined on the home page. */
function routedItem() {
  const m = /^#\/product\/(.+)$/.exec(location.hash);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

/** The product whose page is showing (undefined: the home page). */
let shownProduct;

/** Shows the product page's head (picture, title, price, category, stock), or hides it. */
function showProduct(item) {
  const entry = item === undefined ? undefined : byId.get(item);
  shownProduct = entry ? item : undefined;
  $("product").hidden = !entry;
  document.body.classList.toggle("product-page", Boolean(entry));
  if (!entry) return;
  $("product-thumb").replaceChildren(thumb(entry, true));
  $("product-title").textContent = entry.title ?? item;
  $("product-price").textContent = entry.price !== undefined ? `£${entry.price.toFixed(2)}` : "";
  $("product-category").textContent = entry.attributes?.category ?? "";
  $("product-stock").textContent = entry.attributes?.in_stock === false ? "out of stock" : "in stock";
  $("product-code").textContent = item;
  $("cart-note").textContent = "";
  document.body.dataset.product = item;
  window.scrollTo({ top: 0 });
}

/** Shows the page the address names (`#/product/ID` or home). `countView`: arriving at a product
 * page counts as viewing it (a link or bookmark, not a reload or back/forward); `first`: the
 * page's first render, which happens even when the address names no product. */
async function route({ countView = false, first = false } = {}) {
  const item = routedItem();
  if (!first && item === shownProduct) return;
  if (item !== undefined && byId.has(item)) {
    if (countView) await profile.view(item);
    showProduct(item);
    render(item);
  } else {
    delete document.body.dataset.product;
    showProduct(undefined);
    render();
  }
}

/** Every shelf of the page, top to bottom; a PageContext keeps any product off two shelves. */
function render(focus) {
  const ids = profile.items();
  const page = new PageContext();
  $("history-count").textContent = `${ids.length} item${ids.length === 1 ? "" : "s"} viewed`;
  if (ids.length === 0) {
    $("rec-title").textContent = info.hasTrending ? "Trending now" : "Popular right now";
    const opts = page.options({ k: 10, ...rules() });
    fill($("recommended"), page.show(info.hasTrending ? rec.trending(opts) : rec.popular(opts)));
  } else {
    $("rec-title").textContent = "Recommended for you";
    fill($("recommended"), page.show(rec.recommend(profile.history(), page.options({ ...MAIN_SHELF, ...rules() }))));
  }
  const last = focus ?? ids[ids.length - 1];
  if (last && rec.hasItem(last)) {
    $("similar-section").hidden = false;
    $("similar-to").textContent = titleOf(last);
    fill($("similar"), page.show(rec.similar(last, page.options({ k: 6, ...rules() }))));
  } else {
    $("similar-section").hidden = true;
    $("similar").replaceChildren();
  }
  // item2vec: what fits the items viewed so far, the latest weighing most. Items no longer in
  // the catalogue (an older profile) are left out rather than failing the shelf.
  const known = ids.filter((i) => rec.hasItem(i)).slice(-20);
  const session = info.hasItem2Vec && known.length > 0 ? page.show(rec.forSession(known, page.options({ k: 10, ...rules() }))) : [];
  $("session-section").hidden = session.length === 0;
  fill($("session"), session);
  const together = last && rec.hasItem(last) && info.hasBoughtTogether ? page.show(rec.boughtTogether(last, page.options({ k: 6, ...rules() }))) : [];
  $("together-section").hidden = together.length === 0;
  fill($("together"), together);
  // The experiment's shelf, last so it takes nothing from the shelves above.
  const picks = experiment.variant === "shelfwise" && ids.length > 0
    ? rec.recommend(profile.history(), page.options({ k: 6, ...rules() }))
    : rec.popular(page.options({ k: 6, ...rules() }));
  $("picks-variant").textContent = experiment.variant === "shelfwise" ? "personalised on this device" : "our bestsellers";
  fill($("picks"), page.show(picks));
  experiment.impression("picks", picks);
  showShare();
  fill($("history"), [...ids].reverse().slice(0, 12).map((item) => ({ item })));
}

/** "What we'd share": the report this device would send for the experiment, in words. */
function showShare() {
  const e = experiment.export();
  const clicked = Object.values(e.counts).some((c) => c.clicks > 0);
  const q = Math.round(100 * truthProbability(EPSILON));
  $("share").textContent = `Only this, once a week, if the shop sends it: the version of "Our picks" you see (${e.variant}), `
    + `the week (${e.period}), whether you clicked one of our picks (${clicked ? "yes" : "no"} — sent truthfully with probability ${q} %, else flipped), `
    + `whether you bought (${e.purchases > 0 ? "yes" : "no"} — the same coin), and what you spent (£${e.revenue.toFixed(2)}, capped at £100, plus random noise). `
    + "Never which products, never who you are.";
}

/** The product list; with a query, the catalogue ranked by title match (TF-IDF cosine, on this
 * device), an exact product code first. Bundles without a title index fall back to substring. */
function renderCatalog() {
  const q = $("search").value.trim();
  $("cat-title").textContent = q ? "Search results" : "All products";
  if (!q) {
    $("catalog").replaceChildren(...catalog.slice(0, SHOWN).map((c) => card(c.item)));
    return;
  }
  let hits;
  if (info.hasTextIndex) {
    hits = rec.similarByText(q.slice(0, 200), { k: SHOWN });
  } else {
    const needle = q.toLowerCase();
    hits = catalog.filter((c) => (c.title ?? c.item).toLowerCase().includes(needle)).slice(0, SHOWN);
  }
  if (rec.hasItem(q.toUpperCase())) hits = [{ item: q.toUpperCase() }, ...hits.filter((h) => h.item !== q.toUpperCase())];
  $("catalog").replaceChildren(...hits.map((h) => card(h.item, h.score)));
}

/** The consent banner shows until the shopper decides; "Forget me" withdraws consent. */
function showConsent() {
  $("consent").hidden = profile.hasConsent;
  $("forget").hidden = !profile.hasConsent;
}

/** "Download my data": everything the profile stores, as a JSON file made on the device. */
function exportData() {
  const text = JSON.stringify({ ...profile.export(), experiment: experiment.export() }, null, 2);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  a.download = "my-shelfwise-data.json";
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 0);
}

async function main() {
  try {
    await init();
    profile = await Profile.open({ key: "shelfwise-demo-profile" });
    experiment = await Experiment.open({ name: "demo-picks", variants: { shelfwise: 0.5, control: 0.5 }, salt: "demo", profile });
    rec = await Recommender.load("./data/model.bundle", {
      onProgress: ({ loaded, total }) => {
        $("status").textContent = `Loading the recommendation model… ${total ? Math.round((100 * loaded) / total) + " %" : `${(loaded / 1e6).toFixed(1)} MB`}`;
      },
    });
    catalog = rec.catalog().sort((a, b) => b.popularity - a.popularity || (a.item < b.item ? -1 : 1));
    byId = new Map(catalog.map((c) => [c.item, c]));
    info = rec.info();
    $("status").textContent = `${info.items} products · ${info.model} model trained until ${info.metadata.trainedUntil ?? "n/a"} · scored on your device`;
    $("clear-history").addEventListener("click", async () => { await profile.clear(); render(); });
    $("export-data").addEventListener("click", exportData);
    $("consent-yes").addEventListener("click", async () => { await profile.grantConsent(); showConsent(); });
    // "No thanks" stores nothing (not even the answer): the banner is hidden for this page only.
    $("consent-no").addEventListener("click", () => { $("consent").hidden = true; });
    $("forget").addEventListener("click", async () => { await profile.revokeConsent(); experiment.clear(); showConsent(); render(); });
    showConsent();
    $("search").addEventListener("input", renderCatalog);
    $("in-stock").addEventListener("change", () => render());
    $("add-to-cart").addEventListener("click", async () => {
      const item = routedItem();
      if (item === undefined) return;
      await profile.addToCart(item);
      $("cart-note").textContent = "In your basket (weighs three views in your recommendations)";
      render(item);
    });
    // Back and forward fire popstate; a followed "#/" link fires hashchange (and, in some
    // browsers, popstate too): route() ignores an address that is already showing.
    window.addEventListener("popstate", () => route());
    window.addEventListener("hashchange", () => route());
    renderCatalog();
    // Arriving at a product's address (a link, a bookmark) is a view of it; reloading the page,
    // or coming back to it, is not another one.
    const arrival = performance.getEntriesByType("navigation")[0]?.type ?? "navigate";
    await route({ countView: arrival === "navigate", first: true });
    document.body.dataset.ready = "true";
  } catch (e) {
    $("status").textContent = `Could not load recommendations: ${e.message}`;
    $("status").className = "error";
    document.body.dataset.ready = "error";
  }
}

main();
