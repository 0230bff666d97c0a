#!/usr/bin/env bash
# The main job: train on the embedded demo data, build the JS package, serve the storefront.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_node
build_demo_bundle
scripts/build-pkg.sh
port=${PORT:-8080}
log "serving the demo storefront"
exec node scripts/serve.mjs --root www --port "$port"
