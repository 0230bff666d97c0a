// The benchmark page: shelfwise and TensorFlow.js (wasm backend) score the same factor matrix.
// Driven by bench/browser/recs.mjs, which serves it cross-origin isolated (TF.js threads).
import init, { Recommender } from "./pkg/index.js";

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] };
};

/** Times `f` `reps` times after `warm` warm-up calls (ms per call). */
async function time(f, reps = 40, warm = 3) {
  for (let i = 0; i < warm; i++) await f();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  return stats(t);
}

const bytesOf = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());

/** One configuration: `n` items × `d` factors, bundles for each storage in `storages`. */
globalThis.bench = async ({ n, d, storages, tfjs }) => {
  const out = { n, d, isolated: crossOriginIsolated };
  for (const q of storages) {
    const bytes = await bytesOf(`./out/synth-${n}x${d}-${q}.bundle`);
    out[`${q}_bytes`] = bytes.length;
    out[`${q}_load`] = await time(() => Recommender.fromBytes(bytes).free(), 7, 1);
    const one = ["i123"];
    // Time to the first answer: f32 models build their int8 screen on the first ranking.
    out[`${q}_cold`] = await time(() => {
      const r = Recommender.fromBytes(bytes);
      r.recommend(one, { k: 10 });
      r.free();
    }, 7, 1);
    const rec = Recommender.fromBytes(bytes);
    const fifty = Array.from({ length: 50 }, (_, i) => `i${(i * 7919) % n}`);
    out[`${q}_top10`] = await time(() => rec.recommend(one, { k: 10 }));
    out[`${q}_fold50`] = await time(() => rec.recommend(fifty, { k: 10 }));
    out[`${q}_first`] = rec.recommend(one, { k: 10 }).map((s) => s.item);
    rec.free();
  }
  {
    const { instance } = await WebAssembly.instantiate(await bytesOf("./out/read_floor.wasm"));
    const { reserve, read_sum } = instance.exports;
    const f32Bytes = n * d * 4;
    const p = reserve(f32Bytes);
    out.floor_f32 = await time(() => read_sum(p, f32Bytes));
    out.floor_int8 = await time(() => read_sum(p, n * d));
  }
  if (tfjs) {
    const tf = globalThis.tf;
    await tf.setBackend("wasm");
    out.tf_backend = tf.getBackend();
    out.tf_threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    out.tf_simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const raw = await (await fetch(`./out/synth-${n}x${d}.f32`)).arrayBuffer();
    const factors = tf.tensor2d(new Float32Array(raw), [n, d]);
    const user = tf.tensor2d(new Float32Array(d).map((_, i) => Math.sin(i)), [d, 1]);
    const run = async () => {
      const { values, indices } = tf.tidy(() => tf.topk(tf.matMul(factors, user).reshape([n]), 10));
      await indices.data();
      values.dispose();
      indices.dispose();
    };
    out.tf_top10 = await time(run);
    factors.dispose();
    user.dispose();
  }
  return out;
};

await init();
document.body.dataset.ready = "true";

/** Merchandising rules on a bundle with attributes: top-10 plain, then with each rule added. */
globalThis.benchRules = async ({ url, n }) => {
  const rec = Recommender.fromBytes(await bytesOf(url));
  const one = ["i123"];
  const shown = rec.popular({ k: 30 }).map((s) => s.item);
  const cases = {
    plain: { k: 10 },
    filter: { k: 10, filter: "in_stock && price < 50 && category != \"category-3\"" },
    "filter + maxPerGroup": { k: 10, filter: "in_stock && price < 50 && category != \"category-3\"", maxPerGroup: { attribute: "brand", n: 2 } },
    "filter + maxPerGroup + excludeShown (30)": { k: 10, filter: "in_stock && price < 50 && category != \"category-3\"", maxPerGroup: { attribute: "brand", n: 2 }, exclude: shown },
    "filter + maxPerGroup + excludeShown + boost": { k: 10, filter: "in_stock && price < 50 && category != \"category-3\"", maxPerGroup: { attribute: "brand", n: 2 }, exclude: shown, boost: "margin > 0.3 ? 1.2 : 1" },
    "filter, compiled once": { k: 10, filter: rec.compile("in_stock && price < 50 && category != \"category-3\"") },
  };
  // Rounds through every case, so drift (GC, frequency) falls on all of them alike.
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < 15; round++) {
    for (const [name, opts] of Object.entries(cases)) {
      for (let i = 0; i < 3; i++) rec.recommend(one, opts);
      for (let i = 0; i < 20; i++) {
        const s = performance.now();
        rec.recommend(one, opts);
        samples[name].push(performance.now() - s);
      }
    }
  }
  const out = { n };
  for (const [name, t] of Object.entries(samples)) out[name] = stats(t);
  rec.free();
  return out;
};
