// Browser / bundler entry for pages that only recommend (`shelfwise/recs`): the runtime built
// without `Propensity` and `TextClassifier`, a smaller download, with the same `Recommender`
// and the JavaScript helpers that go with it.
import { Recommender } from "./recs/shelfwise.js";
import { addLoad } from "./load.js";

addLoad(Recommender);

export * from "./recs/shelfwise.js";
export { default } from "./recs/shelfwise.js";
export { Profile } from "./profile.js";
export { PageContext } from "./page.js";
export { Experiment, truthProbability } from "./experiment.js";
