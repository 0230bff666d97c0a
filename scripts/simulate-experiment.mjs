#!/usr/bin/env node
// Simulated visitors for `shelfwise experiment analyze`: each device opens the package's real
// `Experiment` (no storage, as without consent), sees its variant's shelf, clicks and buys at the
// variant's true rates, and sends the privatised report `report({ epsilon })` gives. The output
// is JSON lines, one report per device, as a shop's endpoint would collect them.
//
//   node scripts/simulate-experiment.mjs --devices 100000 --epsilon 1 --out reports.jsonl \
//       [--ctr control=0.04,shelfwise=0.05] [--conversion control=0.02,shelfwise=0.023] [--order-value 40]
//   shelfwise experiment analyze --reports reports.jsonl --report experiment.html
//
// Needs the built package (`bash scripts/build-pkg.sh`, which writes pkg/).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    devices: { type: "string", default: "20000" },
    epsilon: { type: "string", default: "1" },
    ctr: { type: "string", default: "control=0.04,shelfwise=0.05" },
    conversion: { type: "string", default: "control=0.02,shelfwise=0.023" },
    "order-value": { type: "string", default: "40" },
    name: { type: "string", default: "home-shelf" },
    out: { type: "string" },
    pkg: { type: "string", default: new URL("../pkg/node.js", import.meta.url).href },
  },
});

/** `a=0.1,b=0.2` → { a: 0.1, b: 0.2 }, every rate in [0, 1]. */
function rates(text, what) {
  const out = Object.fromEntries(text.split(",").map((kv) => kv.split("=")).map(([k, v]) => [k.trim(), Number(v)]));
  for (const [k, v] of Object.entries(out)) {
    if (!(v >= 0 && v <= 1)) throw new Error(`--${what}: ${k}=${v} is not a rate between 0 and 1`);
  }
  return out;
}

const devices = Number(a.devices), epsilon = Number(a.epsilon), orderValue = Number(a["order-value"]);
if (!(Number.isInteger(devices) && devices > 0)) throw new Error(`--devices must be a whole number > 0, got ${a.devices}`);
if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new Error(`--epsilon must be a number > 0, got ${a.epsilon}`);
if (!a.out) throw new Error("--out reports.jsonl is required");
const ctr = rates(a.ctr, "ctr"), conversion = rates(a.conversion, "conversion");
const variants = Object.fromEntries(Object.keys(ctr).map((v) => [v, 1]));
for (const v of Object.keys(variants)) {
  if (!(v in conversion)) throw new Error(`--conversion has no rate for variant ${v}`);
}

const { Experiment } = await import(a.pkg);
const lines = [];
for (let i = 0; i < devices; i++) {
  const e = await Experiment.open({ name: a.name, variants, storage: null });
  const v = e.variant;
  e.impression("home", ["a", "b", "c", "d"]);
  if (Math.random() < ctr[v]) e.click("home");
  if (Math.random() < conversion[v]) e.purchase(orderValue * (0.5 + Math.random()));
  lines.push(JSON.stringify(e.report({ epsilon })));
}
writeFileSync(a.out, lines.join("\n") + "\n");
console.error(`${devices} devices → ${a.out} (ε = ${epsilon} per metric; true click rates ${a.ctr}, conversion ${a.conversion})`);
