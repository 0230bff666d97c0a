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

function card(item, score, scored = {}) {
  const entry = byId.get(item) ?? { item };
  const li = document.createElement("li");
  const div = document.createElement("div");
  div.className = "card";
  div.tabIndex = 0;
  div.dataset.item = item;
  if (score !== undefined) div.dataset.score = String(score);
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

async function view(item) {
  if ($("picks").querySelector(`[data-item="${CSS.escape(item)}"]`)) experiment.click("picks");
  await profile.view(item);
  render(item);
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
    renderCatalog();
    render();
    document.body.dataset.ready = "true";
  } catch (e) {
    $("status").textContent = `Could not load recommendations: ${e.message}`;
    $("status").className = "error";
    document.body.dataset.ready = "error";
  }
}

main();
