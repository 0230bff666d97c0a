#!/usr/bin/env bash
# Every test: formatting and lint gates, the Spark route (Spark MLlib ALS in local[2], imported),
# native (unit, integration, doc, the hostile-input table), the fuzz smoke run, wasm in headless
# Chromium and Firefox (wasm-bindgen-test-runner), and the demo storefront and package driven in
# Chromium, Firefox and Node. Installs what it needs; quick when already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# Debian's packages first (apt takes one process at a time), then the Spark route's job in the
# background while the tools build. Spark keeps both cores busy, so this saves only its pip
# download and start-up (under a minute: the job took 187 s beside the builds, 101 s alone).
# Its log is printed, and its result checked, after the native tests' build.
ensure_chromium
apt_install firefox-esr
ensure_java
log "the Spark route's job, in the background: Spark MLlib ALS in local[2] (installs pyspark; its log follows the native tests' build)"
spark_log=$(mktemp /tmp/shelfwise-spark-XXXXXX)
# In its own process group (setsid), so a failure of this script stops the JVM too.
setsid bash scripts/test-spark.sh --job-only >"$spark_log.out" 2>"$spark_log" &
spark_job=$!
trap 'kill -- "-$spark_job" 2>/dev/null || true; rm -f "$spark_log" "$spark_log.out"' EXIT
ensure_wasm_tools
ensure_firefox
ensure_e2e_modules

log "gate: cargo fmt --check"
cargo fmt --check

log "gate: cargo clippy --all-targets -- -D warnings (native; the wasm library with its browser tests, and recommendations only)"
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --no-default-features --features js-propensity,js-text --lib --test web -- -D warnings
cargo clippy --target wasm32-unknown-unknown --no-default-features --lib -- -D warnings

log "gate: ESLint lint and format (@stylistic) over the package template, the demo, the browser and build benches, scripts and tests (eslint.config.mjs)"
tests/e2e/node_modules/.bin/eslint -c eslint.config.mjs pkg-template www tests/e2e bench/browser bench/wasm-builds.mjs examples/vite-app/src \
  scripts/serve.mjs scripts/simulate-experiment.mjs

log "gate: the API docs build without warnings (no link to a private item)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

# Profile test-release (Cargo.toml): release optimisation without fat LTO, so the two dozen test
# binaries link in seconds each. Its CLI binary is the one the demo and the browser tests use.
log "native tests' build (cargo test --profile test-release --no-run)"
cargo test --profile test-release --no-run
log "the Spark route's job (started in the background): its log"
spark_rc=0
wait "$spark_job" || spark_rc=$?
cat "$spark_log" >&2
[ "$spark_rc" = 0 ] || { echo "the Spark job failed (exit $spark_rc)" >&2; exit 1; }
SHELFWISE_SPARK_OUT=$(tail -1 "$spark_log.out")
export SHELFWISE_SPARK_OUT

if [ -d ../shared/data ]; then
  log "native tests (cargo test --profile test-release), with the evaluation-data and Spark tests (../shared/data is here)"
  cargo test --profile test-release -- --include-ignored
else
  log "native tests (cargo test --profile test-release); ../shared/data is absent, so its tests show as ignored"
  cargo test --profile test-release
  log "the Spark route's test (on the committed Online Retail extract)"
  cargo test --profile test-release --test spark -- --include-ignored
fi
export SHELFWISE_CLI="$PWD/target/test-release/shelfwise"

log "fuzz smoke run (every target, ${FUZZ_SECONDS:-30} s each)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

# Every target built for wasm32 (the native-only ones are empty there) and run by
# wasm-bindgen-test-runner, the target's runner in .cargo/config.toml (it comes with
# wasm-bindgen-cli): tests/web.rs, release-built with the inference runtime only, as the page gets
# it. This is what `wasm-pack test --headless --chrome` runs; without wasm-pack, CI spares its
# build from crates.io (2.5 min). The runner picks the browser by the driver variable it finds, so
# each run sets only its own.
wasm_browser_tests() {
  env -u CHROMEDRIVER -u GECKODRIVER -u SAFARIDRIVER "$1" \
    cargo test --target wasm32-unknown-unknown --release --no-default-features --features js-propensity,js-text
}
log "wasm tests in headless Chromium and Firefox (wasm-bindgen-test-runner; Debian's chromedriver, geckodriver)"
wasm_browser_tests "CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}"
wasm_browser_tests "GECKODRIVER=${GECKODRIVER:-$(command -v geckodriver)}"

log "demo bundle and JS package"
build_demo_bundle
build_demo_propensity
scripts/build-pkg.sh

log "browser and Node tests: the demo storefront (Chromium and Firefox), the package, hostile calls, the HTML reports"
(cd tests/e2e && node --test --test-concurrency=1)
log "every test passed"
