#!/usr/bin/env bash
# What the wasm build's inlining thresholds (.cargo/config.toml) cost in speed: the shipped package
# beside the same code built with LLVM's default thresholds, timed call by call in Node (V8, the
# engine Chromium runs), interleaved in one process; then the recommendations-only runtime
# (shelfwise/recs) beside the whole one.
#   bash scripts/bench-wasm-builds.sh
# Prints both builds' sizes and a table of median milliseconds per call: recommendations on a synthetic
# 100,000-item bundle and the demo bundle, propensity scoring, and text classifiers where the
# local amazon-toys data is present.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_wasm_tools
ensure_e2e_modules
out=bench/out/wasm-builds
mkdir -p "$out"

scripts/build-pkg.sh
log "building the wasm runtime with LLVM's default inlining thresholds (target/wasm-default-inlining)"
# RUSTFLAGS replaces the config's target flags: SIMD kept, the two thresholds left out.
RUSTFLAGS="-C target-feature=+simd128 $(cargo_home_remap)" CARGO_TARGET_DIR=target/wasm-default-inlining \
  cargo build --release --target wasm32-unknown-unknown --lib --no-default-features --features js-propensity,js-text
rm -rf "$out/default-inlining" && cp -r pkg "$out/default-inlining"
bindgen_shipped target/wasm-default-inlining/wasm32-unknown-unknown/release/shelfwise.wasm "$out/default-inlining"
rm -rf "$out/shipped" && cp -r pkg "$out/shipped"
for b in shipped default-inlining shipped/recs; do
  echo "$b: $(wasm_sizes "$out/$b/shelfwise_bg.wasm")"
done

bin=$(cli)
for q in int8 none; do
  [ -f "$out/synth-$q.bundle" ] || SYNTH_ATTRS=1 run_example synth_bundle 100000 64 "$q" "$out/synth-$q.bundle"
done
for m in logistic gbt forest mlp; do
  [ -f "$out/$m.bundle" ] && [ -f "$out/held-out.csv" ] || "$bin" train propensity --input data/online-shoppers.csv.gz --target Revenue --model "$m" \
    --out "$out/$m.bundle" --test-out "$out/held-out.csv" >/dev/null 2>&1
done
build_demo_bundle
cp www/data/model.bundle "$out/demo.bundle"
# Text classifiers (title → top category; word n-grams, and with character 3-5-grams too) on
# amazon-toys, local evaluation data: made only where ../shared/data has it, never committed.
toys=../shared/data/amazon-toys/amazon_co-ecommerce_sample.csv
if [ -f "$toys" ] && ! [ -f "$out/text-chars.bundle" ]; then
  python3 -c 'import csv, sys
w = csv.writer(sys.stdout); w.writerow(["title", "label"])
w.writerows((r[1], r[2].split(" > ")[0]) for r in csv.reader(open(sys.argv[1], encoding="utf-8", errors="replace")) if len(r) > 2 and r[1] and r[2])' \
    "$toys" > "$out/toys-titles.csv"
  for v in words:0-0 chars:3-5; do
    "$bin" train text --input "$out/toys-titles.csv" --text-col title --label-col label --char-ngrams "${v#*:}" \
      --test-fraction 0 --out "$out/text-${v%%:*}.bundle" >/dev/null 2>&1
  done
fi
node bench/wasm-builds.mjs "$out" shipped default-inlining
# The recommendations-only runtime (`shelfwise/recs`) beside the whole one: the calls they share.
node bench/wasm-builds.mjs "$out" shipped shipped/recs-node.js
