// Node entry: instantiate the same wasm synchronously from the package folder, then re-export.
import { readFileSync } from "node:fs";
import { initSync, Propensity, Recommender, TextClassifier } from "./shelfwise.js";
import { addLoad } from "./load.js";

initSync({ module: readFileSync(new URL("./shelfwise_bg.wasm", import.meta.url)) });
addLoad(Recommender, Propensity, TextClassifier);

export * from "./shelfwise.js";
export { default } from "./shelfwise.js";
export { Profile } from "./profile.js";
export { PageContext } from "./page.js";
export { Experiment, truthProbability } from "./experiment.js";
export { SessionTracker } from "./session.js";
