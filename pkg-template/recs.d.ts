import type { LoadOptions } from "./recs/shelfwise.js";

export * from "./recs/shelfwise.js";
export { default } from "./recs/shelfwise.js";
export * from "./profile.js";
export * from "./page.js";
export * from "./experiment.js";

// `load` is added to `Recommender` in JavaScript (load.js), beside `fromBytes`.
declare module "./recs/shelfwise.js" {
  namespace Recommender {
    /** Downloads, verifies and loads the bundle at `url`. Rejects on HTTP errors, an integrity
     * mismatch or a corrupt bundle; with a `TypeError` when `url` is not a string. */
    function load(url: string, options?: LoadOptions): Promise<Recommender>;
  }
}
