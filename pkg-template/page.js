// One page's shelves: what earlier shelves showed, so that "Recommended", "Similar" and
// "Bought together" never repeat an item. Kept in memory for the page only; nothing is stored.
export class PageContext {
  #shown = new Set();

  /** `opts` with `exclude` extended by every item shown so far on this page. */
  options(opts = {}) {
    return { ...opts, exclude: [...(opts.exclude ?? []), ...this.#shown] };
  }

  /** Records a shelf's items (`Scored[]` or ids) as shown and returns them unchanged. */
  show(items) {
    for (const it of items) this.#shown.add(typeof it === "string" ? it : it.item);
    return items;
  }

  /** The ids shown so far, in the order they were first shown. */
  get shown() {
    return [...this.#shown];
  }

  /** Forgets what was shown (a new page view in a single-page app). */
  clear() {
    this.#shown.clear();
  }
}
