// On-device experiments: assignment, outcome counts and locally differentially private reports.
// The package makes no request: the shop's own code sends `report()` to the shop's own endpoint,
// and `shelfwise experiment analyze` reads what it collected. Mechanisms: randomized response
// (Warner 1965; RAPPOR, Erlingsson et al. 2014) for the two bits, clipped revenue plus Laplace
// noise of scale cap / ε. Per report: ε on each of three metrics, 3ε in all; one report per period.

const FORMAT = "shelfwise-report/1";
const DAY = 86_400_000;

/** Uniform in [0, 1) from the platform's cryptographic random source. */
function uniform() {
  const a = new Uint32Array(2);
  crypto.getRandomValues(a);
  return (a[0] * 2 ** 21 + (a[1] >>> 11)) / 2 ** 53;
}

/** The probability that randomized response at `epsilon` tells the truth: e^ε / (1 + e^ε). */
export function truthProbability(epsilon) {
  return 1 / (1 + Math.exp(-epsilon));
}

const told = (bit, epsilon) => (uniform() < truthProbability(epsilon) ? bit : !bit);
const laplace = (scale) => { const u = uniform() - 0.5; return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u)); };
const fnv = (s) => { let h = 0x811c9dc5; for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0; return h; };
const hex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
const day = (t) => new Date(t).toISOString().slice(0, 10);

export class Experiment {
  #o; #s; #store;

  constructor(o, s, store) { this.#o = o; this.#s = s; this.#store = store; }

  /**
   * Opens experiment `name` with `variants` ({ name: weight }). With a `profile` that has
   * consent, the device's random id and counts are kept in `storage` (default localStorage) so
   * the variant is stable across visits; without consent nothing is stored and the assignment
   * lasts this page. `periodDays` (7) is the reporting period; `revenueCap` (100) clips revenue.
   */
  static async open({ name, variants, salt = "", profile, storage = globalThis.localStorage, periodDays = 7, revenueCap = 100 } = {}) {
    if (typeof name !== "string" || !name) throw new TypeError("Experiment.open: name must be a non-empty string");
    const weights = Object.entries(variants ?? {});
    if (!weights.length || weights.some(([, w]) => !(typeof w === "number" && w >= 0 && Number.isFinite(w))) || !weights.some(([, w]) => w > 0)) {
      throw new TypeError("Experiment.open: variants must map names to weights >= 0, one of them > 0");
    }
    const key = `shelfwise-experiment-${name}`;
    let s = null;
    try { s = JSON.parse(storage?.getItem(key) ?? "null"); } catch { s = null; }
    if (s?.format !== "shelfwise-experiment/1") s = { format: "shelfwise-experiment/1", device: hex(), counts: {} };
    const e = new Experiment({ name, weights, salt, profile, periodDays, revenueCap, key }, s, storage);
    e.#roll(Date.now());
    return e;
  }

  /** The variant this device sees (deterministic in the salt, the name and the device's id). */
  get variant() {
    const total = this.#o.weights.reduce((a, [, w]) => a + w, 0);
    let u = (fnv(`${this.#o.salt}:${this.#o.name}:${this.#s.device}`) / 2 ** 32) * total;
    for (const [v, w] of this.#o.weights) { if (u < w) return v; u -= w; }
    return this.#o.weights.findLast(([, w]) => w > 0)[0];
  }

  #roll(now) {
    const start = Math.floor(now / DAY / this.#o.periodDays) * this.#o.periodDays * DAY;
    if (this.#s.period !== start) Object.assign(this.#s, { period: start, counts: {}, purchases: 0, revenue: 0, report: null });
  }

  #save() {
    if (this.#o.profile?.hasConsent) this.#store?.setItem(this.#o.key, JSON.stringify(this.#s));
  }

  #shelf(shelf) {
    if (typeof shelf !== "string" || !shelf) throw new TypeError("shelf must be a non-empty string");
    return (this.#s.counts[shelf] ??= { impressions: 0, clicks: 0 });
  }

  /** Counts that `shelf` showed `items` (an array) on this device. */
  impression(shelf, items) { this.#roll(Date.now()); this.#shelf(shelf).impressions += Array.isArray(items) ? items.length : 1; this.#save(); }
  /** Counts a click on `shelf`. */
  click(shelf) { this.#roll(Date.now()); this.#shelf(shelf).clicks++; this.#save(); }
  /** Counts a purchase worth `value` (≥ 0). */
  purchase(value = 0) {
    if (!(typeof value === "number" && value >= 0 && Number.isFinite(value))) throw new TypeError("purchase value must be a finite number >= 0");
    this.#roll(Date.now());
    this.#s.purchases++;
    this.#s.revenue += value;
    this.#save();
  }

  /**
   * This period's privatised report, for the shop's code to send: the variant, the period's first
   * day, and at `epsilon` each: clicked a recommendation (randomized response), converted
   * (randomized response), revenue (clipped to revenueCap, plus Laplace noise). No item, no id,
   * no time finer than a day. Asked again in the same period, it returns the same report.
   */
  report({ epsilon = 1 } = {}) {
    if (!(typeof epsilon === "number" && epsilon > 0 && Number.isFinite(epsilon))) throw new TypeError("epsilon must be a finite number > 0");
    this.#roll(Date.now());
    if (this.#s.report) return structuredClone(this.#s.report);
    const clicked = Object.values(this.#s.counts).some((c) => c.clicks > 0);
    const cap = this.#o.revenueCap;
    this.#s.report = {
      format: FORMAT,
      experiment: this.#o.name,
      variant: this.variant,
      period: day(this.#s.period),
      epsilon: { clicked: epsilon, converted: epsilon, revenue: epsilon },
      metrics: {
        clicked: Number(told(clicked, epsilon)),
        converted: Number(told(this.#s.purchases > 0, epsilon)),
        revenue: Math.min(Math.max(this.#s.revenue, 0), cap) + laplace(cap / epsilon),
      },
      revenueCap: cap,
    };
    this.#save();
    return structuredClone(this.#s.report);
  }

  /** Everything kept about this device for the experiment, readable. */
  export() { return { experiment: this.#o.name, variant: this.variant, ...structuredClone(this.#s), period: day(this.#s.period) }; }

  /** Erases what is stored and starts over with a new device id (and so, perhaps, a new variant). */
  clear() {
    this.#store?.removeItem(this.#o.key);
    this.#s = { format: "shelfwise-experiment/1", device: hex(), counts: {} };
    this.#roll(Date.now());
  }
}
