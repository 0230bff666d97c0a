// Node entry for `shelfwise/recs`: the recommendations-only wasm, instantiated synchronously.
import { readFileSync } from "node:fs";
import { initSync, Recommender } from "./recs/shelfwise.js";
import { addLoad } from "./load.js";

initSync({ module: readFileSync(new URL("./recs/shelfwise_bg.wasm", import.meta.url)) });
addLoad(Recommender);

export * from "./recs/shelfwise.js";
export { default } from "./recs/shelfwise.js";
export { Profile } from "./profile.js";
export { PageContext } from "./page.js";
export { Experiment, truthProbability } from "./experiment.js";
