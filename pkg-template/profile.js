// The shopper's on-device profile: what they viewed, put in the cart and bought, kept in this
// browser only (localStorage or IndexedDB), with consent, a retention window and a size cap.
// Nothing is written to storage until consent is given; before that, events live in memory for
// the current page only.

const FORMAT = "shelfwise-profile/1";
const KINDS = ["view", "cart", "purchase"];
const DAY = 86_400_000;
const MAX_ITEM_LENGTH = 256;

const DEFAULTS = Object.freeze({
  key: "shelfwise-profile",
  storage: "localStorage",
  retentionDays: 30,
  maxEvents: 500,
  weights: Object.freeze({ view: 1, cart: 3, purchase: 5 }),
});

/** Decayed weights below this share of a fresh event's no longer count (they would underflow). */
const MIN_WEIGHT = 1e-6;

function wholeAtLeastOne(name, v, dflt) {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1) {
    throw new TypeError(`Profile option ${name} must be a whole number >= 1, got ${JSON.stringify(v)}`);
  }
  return v;
}

function positive(name, v, dflt) {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new TypeError(`Profile option ${name} must be a finite number > 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

function validEvent(e) {
  return e && KINDS.includes(e.kind) && typeof e.item === "string" && e.item.length > 0
    && e.item.length <= MAX_ITEM_LENGTH && Number.isFinite(e.time);
}

/** localStorage (or any Storage-like object): one JSON value under `key`. */
function webStorage(store, key) {
  return {
    name: "localStorage",
    async read() { return store.getItem(key); },
    async write(text) { store.setItem(key, text); },
    async erase() { store.removeItem(key); },
  };
}

/** IndexedDB: database `key`, object store "profile", one record "state" holding the JSON text. */
function indexedDbStorage(key) {
  const idb = globalThis.indexedDB;
  if (!idb) throw new Error("Profile storage \"indexedDB\" is not available in this environment");
  const req = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  let db;
  const open = () => db ??= new Promise((ok, fail) => {
    const r = idb.open(key, 1);
    r.onupgradeneeded = () => r.result.createObjectStore("profile");
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const store = async (mode) => (await open()).transaction("profile", mode).objectStore("profile");
  return {
    name: "indexedDB",
    async read() { return (await req((await store("readonly")).get("state"))) ?? null; },
    async write(text) { await req((await store("readwrite")).put(text, "state")); },
    async erase() { await req((await store("readwrite")).delete("state")); },
  };
}

function memoryStorage() {
  let text = null;
  return {
    name: "memory",
    async read() { return text; },
    async write(t) { text = t; },
    async erase() { text = null; },
  };
}

function backend(storage, key) {
  if (storage === "localStorage") {
    if (!globalThis.localStorage) throw new Error("Profile storage \"localStorage\" is not available in this environment");
    return webStorage(globalThis.localStorage, key);
  }
  if (storage === "indexedDB") return indexedDbStorage(key);
  if (storage === "memory") return memoryStorage();
  if (storage && typeof storage.getItem === "function") return webStorage(storage, key);
  throw new TypeError(`Profile option storage must be "localStorage", "indexedDB", "memory" or a Storage object, got ${JSON.stringify(storage)}`);
}

/** A shopper's events on this device, ready to feed `Recommender.recommend`. */
export class Profile {
  #store;
  #events = [];
  /** item → [times shown since it was last interacted with, last shown (ms)], for rotation. */
  #shown = new Map();
  #consentAt = null;
  #droppedOnLoad = 0;
  #opts;

  constructor(store, opts) {
    this.#store = store;
    this.#opts = opts;
  }

  /**
   * Opens (or creates) the profile stored under `options.key`. Stored events older than the
   * retention window are dropped at once; unreadable stored data is discarded with a warning.
   */
  static async open(options = {}) {
    if (options === null || typeof options !== "object") throw new TypeError("Profile.open options must be an object");
    const weights = { ...DEFAULTS.weights };
    for (const [kind, w] of Object.entries(options.weights ?? {})) {
      if (!KINDS.includes(kind)) throw new TypeError(`Profile option weights.${kind}: unknown event kind (expected ${KINDS.join(", ")})`);
      weights[kind] = positive(`weights.${kind}`, w);
    }
    const opts = {
      key: typeof options.key === "string" && options.key ? options.key : DEFAULTS.key,
      retentionDays: positive("retentionDays", options.retentionDays, DEFAULTS.retentionDays),
      maxEvents: wholeAtLeastOne("maxEvents", options.maxEvents, DEFAULTS.maxEvents),
      weights,
    };
    const store = backend(options.storage ?? DEFAULTS.storage, opts.key);
    const profile = new Profile(store, opts);
    await profile.#load();
    return profile;
  }

  async #load() {
    const text = await this.#store.read();
    if (text === null || text === undefined) return;
    try {
      const v = JSON.parse(text);
      if (v?.format !== FORMAT || !Number.isFinite(v.consentAt) || !Array.isArray(v.events)) throw new Error("unknown format");
      this.#consentAt = v.consentAt;
      // One malformed event costs that event only: the valid ones are kept, the rest counted.
      this.#events = v.events.map((e) => (Array.isArray(e) ? { kind: e[0], item: e[1], time: e[2] } : null)).filter(validEvent);
      this.#droppedOnLoad = v.events.length - this.#events.length;
      for (const e of Array.isArray(v.shown) ? v.shown : []) {
        if (Array.isArray(e) && typeof e[0] === "string" && e[0].length > 0 && e[0].length <= MAX_ITEM_LENGTH
          && Number.isInteger(e[1]) && e[1] > 0 && Number.isFinite(e[2])) this.#shown.set(e[0], [e[1], e[2]]);
      }
      if (this.#droppedOnLoad > 0) {
        console.warn(`shelfwise: dropped ${this.#droppedOnLoad} unreadable events from profile "${this.#opts.key}"`);
      }
    } catch (e) {
      console.warn(`shelfwise: discarding unreadable profile "${this.#opts.key}" (${e.message})`);
      await this.#store.erase();
      return;
    }
    if (this.#prune(Date.now())) await this.#save();
  }

  /** Drops events outside the retention window and beyond the size cap; true if any went. */
  #prune(now) {
    const before = this.#events.length;
    const oldest = now - this.#opts.retentionDays * DAY;
    this.#events = this.#events.filter((e) => e.time >= oldest).slice(-this.#opts.maxEvents);
    const shownBefore = this.#shown.size;
    for (const [item, [, last]] of this.#shown) if (last < oldest) this.#shown.delete(item);
    while (this.#shown.size > this.#opts.maxEvents) this.#shown.delete(this.#shown.keys().next().value);
    return this.#events.length !== before || this.#shown.size !== shownBefore;
  }

  async #save() {
    if (this.#consentAt === null) return;
    await this.#store.write(JSON.stringify({
      format: FORMAT,
      consentAt: this.#consentAt,
      events: this.#events.map((e) => [e.kind, e.item, e.time]),
      shown: [...this.#shown].map(([item, [count, time]]) => [item, count, time]),
    }));
  }

  /** Whether the shopper has agreed to keep their history on this device. */
  get hasConsent() { return this.#consentAt !== null; }

  /** The storage in use: "localStorage", "indexedDB" or "memory". */
  get storage() { return this.#store.name; }

  /** Records consent and persists the events of this page so far. */
  async grantConsent() {
    this.#consentAt ??= Date.now();
    await this.#save();
  }

  /** Withdraws consent: erases everything stored (events and the consent itself) and forgets this page's events. */
  async revokeConsent() {
    this.#consentAt = null;
    this.#events = [];
    this.#shown.clear();
    await this.#store.erase();
  }

  /**
   * Adds an event ("view", "cart" or "purchase") for `item` at `time` (ms since the epoch,
   * default now). Persisted only with consent; otherwise kept for this page only.
   */
  async record(kind, item, time = Date.now()) {
    if (!KINDS.includes(kind)) throw new TypeError(`unknown event kind ${JSON.stringify(kind)} (expected ${KINDS.join(", ")})`);
    if (typeof item !== "string" || item.length === 0 || item.length > MAX_ITEM_LENGTH) {
      throw new TypeError(`item must be a non-empty string of at most ${MAX_ITEM_LENGTH} characters, got ${JSON.stringify(item)?.slice(0, 80)}`);
    }
    if (!Number.isFinite(time)) throw new TypeError(`time must be a finite number of milliseconds, got ${time}`);
    const at = this.#events.findLastIndex((e) => e.time <= time);
    this.#events.splice(at + 1, 0, { kind, item, time });
    this.#shown.delete(item); // interacted with: its impressions start again
    this.#prune(Date.now());
    await this.#save();
  }

  /** Shorthand for `record("view", item)`. */
  view(item) { return this.record("view", item); }
  /** Shorthand for `record("cart", item)`. */
  addToCart(item) { return this.record("cart", item); }
  /** Shorthand for `record("purchase", item)`. */
  purchase(item) { return this.record("purchase", item); }

  /**
   * Records that `items` (ids or `Scored[]`) were shown, for rotation: pass `impressions()` as
   * `rotation.impressions` and products shown again and again without a click sink. An
   * interaction with an item resets its count. Same storage, consent and retention as events.
   */
  async shown(items, time = Date.now()) {
    if (!Array.isArray(items)) throw new TypeError("shown(items) takes an array of item ids or { item } objects");
    for (const it of items) {
      const item = typeof it === "string" ? it : it?.item;
      if (typeof item !== "string" || item.length === 0 || item.length > MAX_ITEM_LENGTH) continue;
      const [count] = this.#shown.get(item) ?? [0];
      this.#shown.delete(item);
      this.#shown.set(item, [count + 1, time]);
    }
    this.#prune(Date.now());
    await this.#save();
  }

  /** Items shown since last interacted with: `{ item, count }`, for `rotation.impressions`. */
  impressions() {
    return [...this.#shown].map(([item, [count]]) => ({ item, count }));
  }

  /** Every event kept, oldest first (copies). */
  events() { return this.#events.map((e) => ({ ...e })); }

  /** Distinct items, most recent last (for sessions and carts). */
  items(kinds = KINDS) {
    const last = new Map();
    for (const e of this.#events) if (kinds.includes(e.kind)) { last.delete(e.item); last.set(e.item, e.time); }
    return [...last.keys()];
  }

  /**
   * The history to pass to `recommend`: one `{ item, weight }` per item, weight = Σ event-kind
   * weight (view 1, cart 3, purchase 5 by default), halved every `halfLifeDays` of age when given.
   * Ordered by last interaction, most recent last.
   */
  history({ halfLifeDays, now = Date.now() } = {}) {
    const decay = halfLifeDays === undefined ? null : positive("halfLifeDays", halfLifeDays);
    const acc = new Map();
    for (const e of this.#events) {
      const age = Math.max(0, now - e.time) / DAY;
      const w = this.#opts.weights[e.kind] * (decay ? 0.5 ** (age / decay) : 1);
      if (w < MIN_WEIGHT) continue; // decayed to nothing: it no longer counts (and would underflow in f32)
      const prev = acc.get(e.item) ?? 0;
      acc.delete(e.item);
      acc.set(e.item, prev + w);
    }
    return [...acc].map(([item, weight]) => ({ item, weight }));
  }

  /** Stored events that could not be read when the profile was opened (and were dropped). */
  get droppedOnLoad() { return this.#droppedOnLoad; }

  /** Everything stored about the shopper, in readable form (for "download my data"). */
  export() {
    return {
      format: FORMAT,
      storage: this.#store.name,
      key: this.#opts.key,
      consentGiven: this.#consentAt === null ? null : new Date(this.#consentAt).toISOString(),
      retentionDays: this.#opts.retentionDays,
      maxEvents: this.#opts.maxEvents,
      events: this.#events.map((e) => ({ kind: e.kind, item: e.item, time: new Date(e.time).toISOString() })),
      impressions: [...this.#shown].map(([item, [count, time]]) => ({ item, count, lastShown: new Date(time).toISOString() })),
    };
  }

  /** Erases every event, on the device and in memory; the consent choice is kept. */
  async clear() {
    this.#events = [];
    this.#shown.clear();
    if (this.#consentAt === null) await this.#store.erase();
    else await this.#save();
  }
}
