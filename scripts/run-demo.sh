#!/usr/bin/env bash
# The main job: train on the embedded demo data, build the JS package, serve the storefront.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
t0=$SECONDS
ensure_node
timed "the CLI and the demo bundle (trained on data/online-retail-demo.csv.gz)" build_demo_bundle
timed "the demo propensity bundle (trained on data/online-shoppers.csv.gz)" build_demo_propensity
timed "the JS package (wasm runtime, wasm-bindgen, pkg/ and www/pkg/)" scripts/build-pkg.sh
log "ready after $((SECONDS - t0)) s"
port=${PORT:-8080}
log "serving the demo storefront"
exec node scripts/serve.mjs --root www --port "$port"
