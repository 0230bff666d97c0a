#!/usr/bin/env bash
# In-browser benchmarks in headless Chromium.
#   bash scripts/bench-browser.sh          propensity records/s and recommend latency on the demo bundle
#   bash scripts/bench-browser.sh recs     top-10 over 10k–500k synthetic items × 32–128 factors beside TF.js
#   bash scripts/bench-browser.sh rules    what filters, caps, exclusions and boosts add to a top-10 (100k × 64 int8)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_chromium
ensure_e2e_modules
build_demo_bundle
build_demo_propensity
scripts/build-pkg.sh
if [ "${1:-}" = "recs" ]; then
  shift
  (cd bench/browser && { [ -d node_modules/@tensorflow/tfjs-backend-wasm ] || npm ci --no-audit --no-fund --loglevel=error; })
  node bench/browser/recs.mjs "$@"
elif [ "${1:-}" = "rules" ]; then
  node bench/browser/rules.mjs
else
  node bench/browser/throughput.mjs
fi
