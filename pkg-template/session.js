// The live session, for propensity: which pages the shopper saw (with a page type), how long each
// was visible (a hidden tab does not count), what went into the cart and what was bought, and
// values the page supplies. `toJSON()` is the session log; a propensity bundle trained with
// `--features` turns it into its record (`model.sessionRecord`, `model.scoreSession`), by the same
// Rust code the CLI's `score --session` runs. Consent works as for `Profile`: nothing is written to
// storage before it (the session lives in this page's memory), and without it the tracker cannot
// tell a returning visitor from a new one (`returning` is null, which the model imputes).

const FORMAT = "shelfwise-session/1";
const MAX_PAGES = 1000;
const MAX_NAME = 256;
const MINUTE = 60_000;
/** The largest page value, and the most seconds a page view counts (as the runtime checks). */
const MAX_VALUE = 1e12;
const MAX_SECONDS = 1e7;

const DEFAULTS = Object.freeze({ key: "shelfwise-session", timeoutMinutes: 30 });

function name(what, v) {
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_NAME) {
    throw new TypeError(`${what} must be a string of 1 to ${MAX_NAME} characters, got ${JSON.stringify(v) ?? typeof v}`);
  }
  return v;
}

function statistic(what, v, max) {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > max) {
    const range = `in [0, ${max === 1 ? 1 : "1e12"}]`;
    throw new RangeError(`${what} must be a finite number ${range}, got ${JSON.stringify(v) ?? typeof v}`);
  }
  return v;
}

function suppliedValue(key, v) {
  const ok = v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
  if (!ok) throw new TypeError(`SessionTracker.set("${key}", …): the value must be a finite number, a string, a boolean or null`);
  return v;
}

/** A Storage-like object (getItem/setItem/removeItem), or undefined where there is none. */
function storageOf(s) {
  if (s === "memory") return undefined;
  if (s === undefined || s === "sessionStorage") return globalThis.sessionStorage;
  if (s && typeof s.getItem === "function") return s;
  throw new TypeError(`SessionTracker option storage must be "sessionStorage", "memory" or a Storage object, got ${JSON.stringify(s)}`);
}

/** The visit in progress, in the form `Propensity.sessionRecord` reads. */
export class SessionTracker {
  #opts;
  #clock;
  #consent;
  #log;
  /** When the current page became visible (ms), or null while the tab is hidden. */
  #visibleSince = null;
  #lastEvent;
  #dropped = 0;
  #onVisibility;

  /**
   * Starts (or, with consent, resumes within `timeoutMinutes`) this tab's session.
   * `options.profile`: follow that Profile's consent; otherwise call `grantConsent()` yourself.
   */
  constructor(options = {}) {
    if (options === null || typeof options !== "object") throw new TypeError("SessionTracker options must be an object");
    const timeout = options.timeoutMinutes ?? DEFAULTS.timeoutMinutes;
    if (typeof timeout !== "number" || !(timeout > 0)) throw new TypeError("SessionTracker option timeoutMinutes must be a number > 0");
    if (options.clock !== undefined && typeof options.clock !== "function") throw new TypeError("SessionTracker option clock must be a function returning ms");
    this.#opts = {
      key: options.key === undefined ? DEFAULTS.key : name("SessionTracker option key", options.key),
      timeout: timeout * MINUTE,
      storage: storageOf(options.storage),
      returningStore: options.storage === "memory" ? undefined : globalThis.localStorage,
      profile: options.profile,
      model: options.model,
      document: options.document ?? globalThis.document,
    };
    this.#clock = options.clock ?? Date.now;
    this.#consent = false;
    this.#log = this.#resume() ?? this.#fresh();
    this.#lastEvent = this.#now();
    const doc = this.#opts.document;
    if (doc && typeof doc.addEventListener === "function") {
      this.#onVisibility = () => (doc.visibilityState === "hidden" ? this.#pause() : this.#resumeClock());
      doc.addEventListener("visibilitychange", this.#onVisibility);
    }
  }

  #now() {
    const t = this.#clock();
    if (!Number.isFinite(t)) throw new TypeError("SessionTracker clock must return a finite number of ms");
    return t;
  }

  get hasConsent() {
    return this.#opts.profile ? Boolean(this.#opts.profile.hasConsent) : this.#consent;
  }

  /** Lets the tracker keep this session in storage (the tab's, by default) and remember this
   * device's visit, so a later session knows it is a returning visitor. */
  grantConsent() {
    this.#consent = true;
    this.#save();
  }

  /** Erases what the tracker stored; the session goes on in memory. */
  revokeConsent() {
    this.#consent = false;
    this.#opts.storage?.removeItem(this.#opts.key);
    this.#opts.returningStore?.removeItem(`${this.#opts.key}-last-visit`);
  }

  #fresh() {
    const start = this.#now();
    let returning = null;
    if (this.hasConsent && this.#opts.returningStore) {
      returning = this.#opts.returningStore.getItem(`${this.#opts.key}-last-visit`) !== null;
    }
    return { format: FORMAT, start, utcOffset: -new Date(start).getTimezoneOffset(), returning, pages: [], cartAdds: 0, purchases: 0, values: {} };
  }

  /** The stored session, when consent was given and it is recent enough. */
  #resume() {
    if (!this.hasConsent || !this.#opts.storage) return undefined;
    try {
      const s = JSON.parse(this.#opts.storage.getItem(this.#opts.key) ?? "null");
      if (s?.log?.format === FORMAT && Array.isArray(s.log.pages) && this.#now() - s.lastEvent < this.#opts.timeout) return s.log;
    } catch {
      // Unreadable stored data: start afresh.
    }
    return undefined;
  }

  #save() {
    if (!this.hasConsent) return;
    this.#opts.storage?.setItem(this.#opts.key, JSON.stringify({ log: this.toJSON(), lastEvent: this.#lastEvent }));
    this.#opts.returningStore?.setItem(`${this.#opts.key}-last-visit`, String(this.#lastEvent));
  }

  /** Starts a new session when the last event is older than the timeout. */
  #touch() {
    const now = this.#now();
    if (now - this.#lastEvent >= this.#opts.timeout) {
      this.#close(this.#lastEvent);
      this.#log = this.#fresh();
      this.#visibleSince = null;
    }
    this.#lastEvent = now;
    return now;
  }

  #current() {
    return this.#log.pages[this.#log.pages.length - 1];
  }

  /** Adds the visible time of the current page up to `t`. */
  #close(t) {
    const p = this.#current();
    if (p && this.#visibleSince !== null) p.seconds = Math.min(MAX_SECONDS, p.seconds + Math.max(0, t - this.#visibleSince) / 1000);
    this.#visibleSince = null;
  }

  #pause() {
    this.#close(this.#now());
    this.#save();
  }

  #resumeClock() {
    if (this.#current() && this.#visibleSince === null) this.#visibleSince = this.#now();
  }

  /**
   * A page view: its `type` (the names the model's mapping uses: "product", "info", …) and
   * optionally its `id`, and statistics the page knows itself (`value`, `bounceRate`,
   * `exitRate`; they take precedence over the bundle's page-statistics table). Past 1,000
   * views a session records no more (`dropped` counts them).
   */
  page(type, { id, value, bounceRate, exitRate } = {}) {
    name("SessionTracker.page type", type);
    if (id !== undefined && id !== null) name("SessionTracker.page id", id);
    const view = { type, id: id ?? null, seconds: 0 };
    const stats = { value: statistic("value", value, MAX_VALUE), bounceRate: statistic("bounceRate", bounceRate, 1), exitRate: statistic("exitRate", exitRate, 1) };
    for (const [k, v] of Object.entries(stats)) if (v !== null) view[k] = v;
    const now = this.#touch();
    this.#close(now);
    if (this.#log.pages.length >= MAX_PAGES) {
      this.#dropped += 1;
      return;
    }
    this.#log.pages.push(view);
    const hidden = this.#opts.document?.visibilityState === "hidden";
    this.#visibleSince = hidden ? null : now;
    this.#save();
  }

  /** Something went into the cart. */
  cart() {
    this.#touch();
    this.#log.cartAdds += 1;
    this.#save();
  }

  /** A purchase was completed. */
  purchase() {
    this.#touch();
    this.#log.purchases += 1;
    this.#save();
  }

  /** A value the page supplies (`$name` in the mapping), e.g. `set("trafficType", 2)`. */
  set(key, value) {
    name("SessionTracker.set name", key);
    this.#log.values[key] = suppliedValue(key, value);
    this.#save();
  }

  /** Page views not recorded because the session had 1,000. */
  get dropped() {
    return this.#dropped;
  }

  /** The session log now: the current page's visible time counted up to this moment. */
  toJSON() {
    const log = structuredClone(this.#log);
    const last = log.pages[log.pages.length - 1];
    if (last && this.#visibleSince !== null) last.seconds = Math.min(MAX_SECONDS, last.seconds + Math.max(0, this.#now() - this.#visibleSince) / 1000);
    return log;
  }

  /** The record `model` (a Propensity bundle trained with `--features`; default the `model`
   * option) expects for this session. */
  record(model = this.#opts.model) {
    if (!model || typeof model.sessionRecord !== "function") throw new TypeError("SessionTracker.record needs a Propensity model (pass it, or the model option)");
    return model.sessionRecord(this.toJSON());
  }

  /** Ends the session: the next event starts a new one. Stored data is removed. */
  end() {
    this.#close(this.#now());
    this.#opts.storage?.removeItem(this.#opts.key);
    this.#log = this.#fresh();
  }

  /** Stops listening to the page's visibility. */
  dispose() {
    this.#opts.document?.removeEventListener?.("visibilitychange", this.#onVisibility);
  }
}
