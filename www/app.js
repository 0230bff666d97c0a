// The demo storefront: the shelfwise package used exactly as a shop would use it.
import init, { Recommender } from "./pkg/shelfwise.js";

const HISTORY_KEY = "shelfwise-demo-history";
const SHOWN = 60;
const $ = (id) => document.getElementById(id);

/** The on-device history: [{ item, t }], oldest first. */
const history = {
  load() {
    try {
      const v = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? "[]");
      return Array.isArray(v) ? v.filter((e) => typeof e?.item === "string") : [];
    } catch {
      return [];
    }
  },
  add(item) {
    const h = this.load().filter((e) => e.item !== item);
    h.push({ item, t: Date.now() });
    localStorage.setItem(HISTORY_KEY, JSON.stringify(h.slice(-200)));
  },
  clear() {
    localStorage.removeItem(HISTORY_KEY);
  },
};

let rec;
let info;
let byId = new Map();
let catalog = [];

function card(item, score) {
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
  div.append(title, meta);
  div.addEventListener("click", () => view(item));
  div.addEventListener("keydown", (e) => { if (e.key === "Enter") view(item); });
  li.append(div);
  return li;
}

function fill(list, items) {
  list.replaceChildren(...items.map((s) => card(s.item, s.score)));
}

function view(item) {
  history.add(item);
  render(item);
}

function render(focus) {
  const h = history.load();
  $("history-count").textContent = `${h.length} item${h.length === 1 ? "" : "s"} viewed`;
  const ids = h.map((e) => e.item);
  if (ids.length === 0) {
    $("rec-title").textContent = info.hasTrending ? "Trending now" : "Popular right now";
    fill($("recommended"), info.hasTrending ? rec.trending({ k: 10 }) : rec.popular({ k: 10 }));
  } else {
    $("rec-title").textContent = "Recommended for you";
    fill($("recommended"), rec.recommend(ids, { k: 10 }));
  }
  const last = focus ?? ids[ids.length - 1];
  if (last && rec.hasItem(last)) {
    $("similar-section").hidden = false;
    $("similar-to").textContent = byId.get(last)?.title?.toLowerCase() ?? last;
    fill($("similar"), rec.similar(last, { k: 6 }));
    const together = info.hasBoughtTogether ? rec.boughtTogether(last, { k: 6 }) : [];
    $("together-section").hidden = together.length === 0;
    fill($("together"), together);
  } else {
    $("similar-section").hidden = true;
    $("similar").replaceChildren();
    $("together-section").hidden = true;
    $("together").replaceChildren();
  }
  fill($("history"), [...ids].reverse().slice(0, 12).map((item) => ({ item })));
}

function renderCatalog() {
  const q = $("search").value.trim().toLowerCase();
  const shown = (q ? catalog.filter((c) => (c.title ?? c.item).toLowerCase().includes(q) || c.item.toLowerCase() === q) : catalog).slice(0, SHOWN);
  $("catalog").replaceChildren(...shown.map((c) => card(c.item)));
}

async function main() {
  try {
    await init();
    const res = await fetch("./data/model.bundle");
    if (!res.ok) throw new Error(`model.bundle: HTTP ${res.status}`);
    rec = Recommender.fromBytes(new Uint8Array(await res.arrayBuffer()));
    catalog = rec.catalog().sort((a, b) => b.popularity - a.popularity || (a.item < b.item ? -1 : 1));
    byId = new Map(catalog.map((c) => [c.item, c]));
    info = rec.info();
    $("status").textContent = `${info.items} products · ${info.model} model trained until ${info.metadata.trainedUntil ?? "n/a"} · scored on your device`;
    $("clear-history").addEventListener("click", () => { history.clear(); render(); });
    $("search").addEventListener("input", renderCatalog);
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
