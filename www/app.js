// The demo storefront: the shelfwise package used exactly as a shop would use it. All of the
// page's state lives in one `Store`; cards and pictures are plain functions (cards.js, pictures.js).
import init, { Experiment, PageContext, Profile, Propensity, Recommender, SessionTracker, truthProbability } from "./pkg/index.js";
import { card } from "./cards.js";
import { picture } from "./pictures.js";

/** Products listed under "All products" and search results. */
const SHOWN = 60;
/** ε of each privatised value in the experiment's report. */
const EPSILON = 1;
/** The shop's rules for its main shelf, applied on this device: at most three products of a
 * category, one slot in ten for a high-margin product, and why each product is there. */
const MAIN_SHELF = { k: 10, maxPerGroup: { attribute: "category", n: 3 }, promote: { filter: "margin >= 0.5", share: 0.1 }, reasons: true };

const $ = (id) => document.getElementById(id);

/** The product an address names (`#/product/ID`), or undefined for the home page. */
function productIn(hash) {
  const m = /^#\/product\/(.+)$/.exec(hash);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

/** Seconds between gauge updates while the shopper stays on a page (time on the page counts). */
const GAUGE_SECONDS = 2;

/** The store: the models, the shopper's profile, session and experiment, and the page they draw. */
class Store {
  /** The product whose page is showing (undefined: the home page). */
  #shown;

  constructor({ rec, profile, experiment, propensity, tracker }) {
    this.rec = rec;
    this.profile = profile;
    this.experiment = experiment;
    /** The "likely to buy" model and this visit's tracker (both undefined if the model did not load). */
    this.propensity = propensity;
    this.tracker = tracker;
    this.info = rec.info();
    /** The catalogue, most popular first (ties by id), and by id. */
    this.catalog = rec.catalog().sort((a, b) => b.popularity - a.popularity || (a.item < b.item ? -1 : 1));
    this.byId = new Map(this.catalog.map((c) => [c.item, c]));
  }

  /** What every shelf shares: the in-stock filter, when ticked (the demo's stock flags are made up). */
  rules() {
    return $("in-stock").checked ? { filter: "in_stock" } : {};
  }

  titleOf(item) {
    return (this.byId.get(item)?.title ?? item).toLowerCase();
  }

  /** Fills `list` with cards for `results` ([{ item, score?, promoted?, because? }]). */
  fill(list, results) {
    const hooks = { titleOf: (id) => this.titleOf(id), open: (id) => this.open(id) };
    list.replaceChildren(...results.map((r) => card(this.byId.get(r.item) ?? { item: r.item }, r, hooks)));
  }

  /** A click on a product: counts it, records the view and opens its page (`#/product/ID`). */
  async open(item) {
    if ($("picks").querySelector(`[data-item="${CSS.escape(item)}"]`)) this.experiment.click("picks");
    await this.profile.view(item);
    history.pushState(null, "", `#/product/${encodeURIComponent(item)}`);
    this.showProduct(item);
    this.render(item);
    this.pageView("product", item);
  }

  /** Shows the page the address names (`#/product/ID` or home). `countView`: arriving at a
   * product page counts as viewing it (a link or bookmark, not a reload or back/forward);
   * `first`: the page's first render, which happens even when the address names no product. */
  async route({ countView = false, first = false } = {}) {
    const item = productIn(location.hash);
    if (!first && item === this.#shown) return;
    if (item !== undefined && this.byId.has(item)) {
      if (countView) await this.profile.view(item);
      this.showProduct(item);
      this.render(item);
      this.pageView("product", item);
    } else {
      this.showProduct(undefined);
      this.render();
      this.pageView("home");
    }
  }

  /** A page view for this visit's "likely to buy" gauge. */
  pageView(type, id) {
    this.tracker?.page(type, id === undefined ? {} : { id });
    this.updateGauge();
  }

  /** Scores this visit on the device and shows it with the three fields that move it most. */
  updateGauge() {
    const { propensity, tracker } = this;
    if (!propensity || !tracker) return;
    const log = tracker.toJSON();
    const record = propensity.sessionRecord(log);
    const p = propensity.score(record);
    const why = propensity.explain(record).slice(0, 3)
      .map((c) => `${c.field} ${c.contribution >= 0 ? "+" : "−"}${Math.abs(c.contribution).toFixed(2)}`);
    const gauge = $("gauge");
    gauge.hidden = false;
    gauge.dataset.p = String(p);
    gauge.dataset.pages = String(log.pages.length);
    $("gauge-meter").value = p;
    $("gauge-p").textContent = `${Math.round(100 * p)} %`;
    $("gauge-why").textContent = `${why.join(", ")} (log-odds)`;
  }

  /** Shows the product page's head (picture, title, price, category, stock), or hides it. */
  showProduct(item) {
    const entry = item === undefined ? undefined : this.byId.get(item);
    this.#shown = entry ? item : undefined;
    $("product").hidden = !entry;
    document.body.classList.toggle("product-page", Boolean(entry));
    if (!entry) {
      delete document.body.dataset.product;
      return;
    }
    $("product-thumb").replaceChildren(picture(entry, true));
    $("product-title").textContent = entry.title ?? item;
    $("product-price").textContent = entry.price !== undefined ? `£${entry.price.toFixed(2)}` : "";
    $("product-category").textContent = entry.attributes?.category ?? "";
    $("product-stock").textContent = entry.attributes?.in_stock === false ? "out of stock" : "in stock";
    $("product-code").textContent = item;
    $("cart-note").textContent = "";
    document.body.dataset.product = item;
    window.scrollTo({ top: 0 });
  }

  /** "Add to basket" on the product page: a cart event, weighing three views; for the gauge,
   * a view of the basket (the note beside the button stands for the shop's basket page). */
  async addToCart() {
    if (this.#shown === undefined) return;
    await this.profile.addToCart(this.#shown);
    $("cart-note").textContent = "In your basket (weighs three views in your recommendations)";
    this.render(this.#shown);
    this.tracker?.cart();
    this.pageView("basket");
  }

  /** Every shelf of the page, top to bottom; a PageContext keeps any product off two shelves. */
  render(focus) {
    const { rec, info, profile } = this;
    const ids = profile.items();
    const page = new PageContext();
    const opts = (o) => page.options({ ...o, ...this.rules() });
    $("history-count").textContent = `${ids.length} item${ids.length === 1 ? "" : "s"} viewed`;
    if (ids.length === 0) {
      $("rec-title").textContent = info.hasTrending ? "Trending now" : "Popular right now";
      this.fill($("recommended"), page.show(info.hasTrending ? rec.trending(opts({ k: 10 })) : rec.popular(opts({ k: 10 }))));
    } else {
      $("rec-title").textContent = "Recommended for you";
      this.fill($("recommended"), page.show(rec.recommend(profile.history(), opts(MAIN_SHELF))));
    }
    const last = focus ?? ids[ids.length - 1];
    const known = last !== undefined && rec.hasItem(last);
    $("similar-section").hidden = !known;
    $("similar-to").textContent = known ? this.titleOf(last) : "";
    this.fill($("similar"), known ? page.show(rec.similar(last, opts({ k: 6 }))) : []);
    // item2vec: what fits the items viewed so far, the latest weighing most. Items no longer in
    // the catalogue (an older profile) are left out rather than failing the shelf.
    const viewed = ids.filter((i) => rec.hasItem(i)).slice(-20);
    const session = info.hasItem2Vec && viewed.length > 0 ? page.show(rec.forSession(viewed, opts({ k: 10 }))) : [];
    $("session-section").hidden = session.length === 0;
    this.fill($("session"), session);
    const together = known && info.hasBoughtTogether ? page.show(rec.boughtTogether(last, opts({ k: 6 }))) : [];
    $("together-section").hidden = together.length === 0;
    this.fill($("together"), together);
    this.renderPicks(page, ids);
    this.fill($("history"), [...ids].reverse().slice(0, 12).map((item) => ({ item })));
  }

  /** The experiment's shelf, last so it takes nothing from the shelves above, and what its
   * report would say. */
  renderPicks(page, ids) {
    const { rec, experiment } = this;
    const personal = experiment.variant === "shelfwise" && ids.length > 0;
    const opts = page.options({ k: 6, ...this.rules() });
    const picks = personal ? rec.recommend(this.profile.history(), opts) : rec.popular(opts);
    $("picks-variant").textContent = experiment.variant === "shelfwise" ? "personalised on this device" : "our bestsellers";
    this.fill($("picks"), page.show(picks));
    experiment.impression("picks", picks);
    const e = experiment.export();
    const clicked = Object.values(e.counts).some((c) => c.clicks > 0);
    const q = Math.round(100 * truthProbability(EPSILON));
    $("share").textContent = `Only this, once a week, if the shop sends it: the version of "Our picks" you see (${e.variant}), `
      + `the week (${e.period}), whether you clicked one of our picks (${clicked ? "yes" : "no"} — sent truthfully with probability ${q} %, else flipped), `
      + `whether you bought (${e.purchases > 0 ? "yes" : "no"} — the same coin), and what you spent (£${e.revenue.toFixed(2)}, capped at £100, plus random noise). `
      + "Never which products, never who you are.";
  }

  /** The product list; with a query, the catalogue ranked by title match (TF-IDF cosine, on
   * this device), a product whose code is the query (in any case) first. Bundles without a
   * title index fall back to substring matching. */
  renderCatalog() {
    const { rec, info } = this;
    const q = $("search").value.trim();
    $("cat-title").textContent = q ? "Search results" : "All products";
    if (!q) {
      this.fill($("catalog"), this.catalog.slice(0, SHOWN));
      return;
    }
    let hits;
    if (info.hasTextIndex) {
      hits = rec.similarByText(q.slice(0, 200), { k: SHOWN });
    } else {
      const needle = q.toLowerCase();
      hits = this.catalog.filter((c) => (c.title ?? c.item).toLowerCase().includes(needle)).slice(0, SHOWN);
    }
    // The demo's product codes are upper case ("85123A"); a shopper may type them in any case.
    const code = [q, q.toUpperCase()].find((c) => rec.hasItem(c));
    if (code !== undefined) hits = [{ item: code }, ...hits.filter((h) => h.item !== code)];
    this.fill($("catalog"), hits);
  }

  /** The consent banner shows until the shopper decides; "Forget me" withdraws consent. */
  showConsent() {
    $("consent").hidden = this.profile.hasConsent;
    $("forget").hidden = !this.profile.hasConsent;
  }

  /** "Download my data": everything the profile stores, as a JSON file made on the device. */
  exportData() {
    const text = JSON.stringify({ ...this.profile.export(), experiment: this.experiment.export() }, null, 2);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    a.download = "my-shelfwise-data.json";
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 0);
  }

  /** Wires the page's controls to the store. */
  listen() {
    $("clear-history").addEventListener("click", async () => { await this.profile.clear(); this.render(); });
    $("export-data").addEventListener("click", () => this.exportData());
    $("consent-yes").addEventListener("click", async () => {
      await this.profile.grantConsent();
      this.tracker?.grantConsent();
      this.showConsent();
    });
    // "No thanks" stores nothing (not even the answer): the banner is hidden for this page only.
    $("consent-no").addEventListener("click", () => { $("consent").hidden = true; });
    $("forget").addEventListener("click", async () => {
      await this.profile.revokeConsent();
      this.tracker?.revokeConsent();
      this.experiment.clear();
      this.showConsent();
      this.render();
    });
    $("search").addEventListener("input", () => this.renderCatalog());
    // A search is a page of results once the shopper commits to it (Enter, or leaving the box).
    $("search").addEventListener("change", () => { if ($("search").value.trim()) this.pageView("search"); });
    setInterval(() => { if (document.visibilityState === "visible") this.updateGauge(); }, GAUGE_SECONDS * 1000);
    $("in-stock").addEventListener("change", () => this.render(this.#shown));
    $("add-to-cart").addEventListener("click", () => this.addToCart());
    // Back and forward fire popstate; a followed "#/" link fires hashchange (and, in some
    // browsers, popstate too): route() ignores an address that is already showing.
    window.addEventListener("popstate", () => this.route());
    window.addEventListener("hashchange", () => this.route());
  }
}

async function main() {
  try {
    await init();
    const profile = await Profile.open({ key: "shelfwise-demo-profile" });
    const experiment = await Experiment.open({ name: "demo-picks", variants: { shelfwise: 0.5, control: 0.5 }, salt: "demo", profile });
    // The gauge is optional: the store works without its model.
    const propensity = Propensity.load("./data/propensity.bundle").catch((e) => {
      console.info(`No "likely to buy" gauge: ${e.message}`);
      return undefined;
    });
    const rec = await Recommender.load("./data/model.bundle", {
      onProgress: ({ loaded, total }) => {
        $("status").textContent = `Loading the recommendation model… ${total ? Math.round((100 * loaded) / total) + " %" : `${(loaded / 1e6).toFixed(1)} MB`}`;
      },
    });
    const model = await propensity;
    // The visit's tracker follows the profile's consent; the demo is no gift-day shop (specialDay 0).
    const tracker = model?.hasSession ? new SessionTracker({ profile, key: "shelfwise-demo-session", model }) : undefined;
    tracker?.set("specialDay", 0);
    const store = new Store({ rec, profile, experiment, propensity: model, tracker });
    // For tests and the curious: the visit as the gauge scores it.
    window.shelfwiseSession = { tracker, propensity: model };
    const { info } = store;
    $("status").textContent = `${info.items} products · ${info.model} model trained until ${info.metadata.trainedUntil ?? "n/a"} · scored on your device`;
    store.listen();
    store.showConsent();
    store.renderCatalog();
    // Arriving at a product's address (a link, a bookmark) is a view of it; reloading the page,
    // or coming back to it, is not another one.
    const arrival = performance.getEntriesByType("navigation")[0]?.type ?? "navigate";
    await store.route({ countView: arrival === "navigate", first: true });
    document.body.dataset.ready = "true";
  } catch (e) {
    $("status").textContent = `Could not load recommendations: ${e.message}`;
    $("status").className = "error";
    document.body.dataset.ready = "error";
  }
}

main();
