import type { LoadOptions } from "./shelfwise.js";

export * from "./shelfwise.js";
export { default } from "./shelfwise.js";
export * from "./profile.js";
export * from "./page.js";
export * from "./experiment.js";
export * from "./session.js";

// `load` is added to the three model classes in JavaScript (load.js), beside `fromBytes`.
declare module "./shelfwise.js" {
  namespace Recommender {
    /** Downloads, verifies and loads the bundle at `url`. Rejects on HTTP errors, an integrity
     * mismatch or a corrupt bundle; with a `TypeError` when `url` is not a string. */
    function load(url: string, options?: LoadOptions): Promise<Recommender>;
  }
  namespace Propensity {
    /** Downloads, verifies and loads the bundle at `url`; options as for `Recommender.load`. */
    function load(url: string, options?: LoadOptions): Promise<Propensity>;
  }
  namespace TextClassifier {
    /** Downloads, verifies and loads the bundle at `url`; options as for `Recommender.load`. */
    function load(url: string, options?: LoadOptions): Promise<TextClassifier>;
  }
}
