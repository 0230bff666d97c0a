// Two or more builds of the wasm package, timed call by call in one Node process: each case runs
// on every build in turn, in 10 rounds of 10 timed calls (after 2 untimed), so drift falls on all.
// Run: bash scripts/bench-wasm-builds.sh (it makes the bundles and the builds in DIR).
// Usage: node bench/wasm-builds.mjs DIR BUILD... (each BUILD a package folder under DIR, or an
// entry in one, such as shipped/recs-node.js; a build without a class skips that class's cases)
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { csvRecords } from "../tests/e2e/harness.mjs";

const [dir, ...builds] = process.argv.slice(2);
const file = (name) => readFileSync(resolve(dir, name));
const mods = [];
for (const b of builds) mods.push(await import(b.endsWith(".js") ? resolve(dir, b) : resolve(dir, b, "node.js")));

const int8 = file("synth-int8.bundle");
const f32 = file("synth-none.bundle");
const families = ["logistic", "gbt", "forest", "mlp"];
const records = csvRecords(file("held-out.csv").toString()).map(({ Revenue: _target, ...r }) => r);
const one = ["i123"];
const fifty = Array.from({ length: 50 }, (_, i) => `i${(i * 7919) % 100000}`);
const titles = ["lantern", "lant", "red retrospot cake stand", "christmas"];
const texts = ["Hornby OO gauge steam locomotive", "Wooden jigsaw puzzle 1000 pieces", "Barbie fashion doll with dress"];
// Text classifiers on amazon-toys titles (local evaluation data: made only where it is present).
const classifiers = ["words", "chars"].filter((v) => existsSync(resolve(dir, `text-${v}.bundle`)));
const rules = {
  k: 10,
  filter: 'in_stock && price < 50 && category != "category-3"',
  maxPerGroup: { attribute: "brand", n: 2 },
  boost: "margin > 0.3 ? 1.2 : 1",
};

/** The timed cases on one build, each a function of no arguments. */
function cases(m) {
  const ri = m.Recommender.fromBytes(int8);
  const rf = m.Recommender.fromBytes(f32);
  const out = {
    "load, int8 100k × 64": () => m.Recommender.fromBytes(int8).free(),
    "load, f32 100k × 64": () => m.Recommender.fromBytes(f32).free(),
    "int8 top-10, 1-item history": () => ri.recommend(one, { k: 10 }),
    "int8 top-10, 50-item history": () => ri.recommend(fifty, { k: 10 }),
    "int8 top-10, filter + cap + boost": () => ri.recommend(one, rules),
    "int8 similar": () => ri.similar("i123", { k: 10 }),
    "f32 top-10, 1-item history": () => rf.recommend(one, { k: 10 }),
    "f32 top-10, 50-item history": () => rf.recommend(fifty, { k: 10 }),
  };
  const demo = file("demo.bundle");
  const rd = m.Recommender.fromBytes(demo);
  out["load, demo bundle (EASE, title index)"] = () => m.Recommender.fromBytes(demo).free();
  out["demo similarByText, 4 queries"] = () => titles.forEach((t) => rd.similarByText(t, { k: 10 }));
  const cart = rd.popular({ k: 3 }).map((r) => r.item);
  const history = rd.popular({ k: 50 }).map((r) => r.item);
  out["demo top-10, 50-item history (EASE)"] = () => rd.recommend(history, { k: 10 });
  out["demo similar (EASE rows)"] = () => rd.similar(cart[0], { k: 10 });
  out["demo boughtTogether, 3-item cart"] = () => rd.boughtTogether(cart, { k: 10 });
  for (const v of m.TextClassifier ? classifiers : []) {
    const bytes = file(`text-${v}.bundle`);
    const c = m.TextClassifier.fromBytes(bytes);
    out[`load, text classifier (${v})`] = () => m.TextClassifier.fromBytes(bytes).free();
    out[`classify (${v}), 3 titles`] = () => texts.forEach((t) => c.classify(t));
  }
  for (const f of m.Propensity ? families : []) {
    const p = m.Propensity.fromBytes(file(`${f}.bundle`));
    out[`${f} scoreBatch, ${records.length} records`] = () => p.scoreBatch(records);
  }
  return out;
}

const all = mods.map(cases);
const names = Object.keys(all[0]).filter((n) => all.every((c) => n in c));
const samples = all.map(() => Object.fromEntries(names.map((n) => [n, []])));
for (let round = 0; round < 10; round++) {
  for (const n of names) {
    all.forEach((c, b) => {
      for (let i = 0; i < 2; i++) c[n]();
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        c[n]();
        samples[b][n].push(performance.now() - t);
      }
    });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Node ${process.version}; median ms per call of 100, interleaved\n`);
const ratios = builds.slice(1).map((b) => `${builds[0]} ÷ ${b}`);
const row = (cells) => console.log(`| ${cells.join(" | ")} |`);
row(["call", ...builds, ...ratios]);
row(["---", ...builds.map(() => "---:"), ...ratios.map(() => "---:")]);
for (const n of names) {
  const m = samples.map((s) => median(s[n]));
  row([n, ...m.map((v) => v.toFixed(3)), ...m.slice(1).map((v) => (m[0] / v).toFixed(2))]);
}
