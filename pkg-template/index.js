// Browser / bundler entry: the wasm-bindgen module (call `init()` once) plus the on-device Profile.
import { Propensity, Recommender, TextClassifier } from "./shelfwise.js";
import { addLoad } from "./load.js";

addLoad(Recommender, Propensity, TextClassifier);

export * from "./shelfwise.js";
export { default } from "./shelfwise.js";
export { Profile } from "./profile.js";
export { PageContext } from "./page.js";
export { Experiment, truthProbability } from "./experiment.js";
export { SessionTracker } from "./session.js";
