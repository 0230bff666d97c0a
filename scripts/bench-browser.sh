#!/usr/bin/env bash
# In-browser throughput in headless Chromium (propensity records/s, recommend latency).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_chromium
ensure_e2e_modules
build_demo_bundle
scripts/build-pkg.sh
node bench/browser/throughput.mjs
