#!/usr/bin/env bash
# Every test: native (unit, integration, doc), wasm in headless Chromium, and the demo
# storefront driven in Chromium. Installs what it needs; quick when already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_wasm_tools
ensure_chromium
ensure_e2e_modules

log "native tests (cargo test --release)"
cargo test --release

log "wasm tests in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} \
  cargo test --release --target wasm32-unknown-unknown --no-default-features --test web

log "demo bundle and JS package"
build_demo_bundle
scripts/build-pkg.sh

log "browser tests: the demo storefront in Chromium"
cd tests/e2e && node --test --test-concurrency=1
