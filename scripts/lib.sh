# Shared set-up helpers. Every function is idempotent and quick when its tool is already there.
# shellcheck shell=bash

export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_PROGRESS_WHEN=never

# Each step's line carries the wall-clock time (UTC), so a CI log shows where its minutes go.
log() { printf '\033[1m==> [%s] %s\033[0m\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Runs "$@" as one step: says what it is before, and how long it took after.
timed() {
  local label=$1 t0=$SECONDS
  shift
  log "$label"
  "$@"
  log "$label: done in $((SECONDS - t0)) s"
}

# `cargo install` for the tools the scripts run (they are built for this machine, never shipped):
# opt-level 1 without LTO, 16 codegen units, one target folder for all of them. Measured from an
# empty Cargo home, the four took 430 s instead of 464 s: most of their build is not optimisation.
cargo_install_tool() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_TARGET_DIR="${TMPDIR:-/tmp}/shelfwise-tools-build" \
    cargo install "$@"
}

crate_version() { sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1; }

# The wasm's panic messages carry the source paths of dependencies, under the Cargo home of whoever
# builds: this rustc flag writes them as /cargo, so the shipped bytes (and their integrity hash) do
# not depend on the machine or name the builder's home directory.
cargo_home_remap() { echo "--remap-path-prefix=$(cd "${CARGO_HOME:-$HOME/.cargo}" && pwd -P)=/cargo"; }

# wasm-bindgen as the package ships it: WASM's bindings into OUT_DIR. Function names and producer
# metadata only serve debuggers; leaving them out saves ~10 KB gzip.
bindgen_shipped() {
  wasm-bindgen "$1" --out-dir "$2" --out-name shelfwise --target web \
    --remove-name-section --remove-producers-section
}

# "N bytes raw, M bytes gzip -9" for a wasm file.
wasm_sizes() { echo "$(stat -c %s "$1") bytes raw, $(gzip -9 -c "$1" | wc -c) bytes gzip -9"; }

# The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly).
wasm_bindgen_version() {
  [ -f Cargo.lock ] || cargo generate-lockfile >/dev/null 2>&1
  awk '/^name = "wasm-bindgen"$/ { getline; sub(/version = "/, ""); sub(/"/, ""); print; exit }' Cargo.lock
}

# The wasm32 target and wasm-bindgen-cli, which brings `wasm-bindgen` (scripts/build-pkg.sh) and
# `wasm-bindgen-test-runner` (the wasm tests in scripts/test.sh).
ensure_wasm_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want have
  want=$(wasm_bindgen_version)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    log "installing wasm-bindgen-cli $want (found '${have:-none}'; one time, ~3 min)"
    cargo_install_tool wasm-bindgen-cli --version "$want" --locked --force \
      || cargo_install_tool wasm-bindgen-cli --version "$want" --force
  fi
}

# Firefox (Debian's firefox-esr) and geckodriver (crates.io), for the wasm tests and the demo in a
# second browser engine.
GECKODRIVER_VERSION=0.37.1
ensure_firefox() {
  apt_install firefox-esr
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
    log "installing geckodriver $GECKODRIVER_VERSION (one time, ~2 min)"
    cargo_install_tool geckodriver --version "$GECKODRIVER_VERSION" --locked
  fi
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Java 17 or later (Debian's openjdk-17-jre-headless when there is none), for Spark.
ensure_java() {
  if ! java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
    apt_install openjdk-17-jre-headless
  fi
}

# Java (`ensure_java`) and pyspark in examples/spark/.venv, for the Spark route's test (Spark in
# local[2] mode: no cluster, no service).
ensure_spark() {
  ensure_java
  [ -x examples/spark/.venv/bin/python ] || { log "creating examples/spark/.venv"; python3 -m venv examples/spark/.venv; }
  if ! examples/spark/.venv/bin/python -c "import pyspark, numpy" 2>/dev/null; then
    log "installing pyspark 4.3.0 and numpy into examples/spark/.venv (pip)"
    examples/spark/.venv/bin/pip install -q "pyspark==4.3.0" numpy
  fi
}

ensure_chromium() {
  apt_install chromium chromium-driver
}

ensure_node() {
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
}

# npm packages for the browser tests (tests/e2e/package.json, lock file committed).
ensure_e2e_modules() {
  ensure_node
  if [ ! -d tests/e2e/node_modules/playwright-core ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
    log "installing browser-test npm packages"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Runs an example (release) in a target folder of its own. Examples build with the
# dev-dependencies, which turn on other features of shared crates; in target/ that rebuilt the
# library over the CLI's, so each benchmark's next `cli` relinked it with fat LTO (~4 min).
run_example() {
  local name=$1
  shift
  CARGO_TARGET_DIR=target/examples cargo run --release --quiet --example "$name" -- "$@"
}

# The release CLI, built once (cargo rebuilds only what changed). The first build compiles every
# dependency with LTO: ~5 min on 2 cores, and cargo prints each crate as it goes.
# The shelfwise CLI's path, built when needed. SHELFWISE_CLI names one built already
# (scripts/test.sh: the binary its native tests ran), which saves a second release build.
cli() {
  if [ -n "${SHELFWISE_CLI:-}" ] && [ -x "$SHELFWISE_CLI" ]; then
    echo "$SHELFWISE_CLI"
    return
  fi
  if [ ! -x target/release/shelfwise ]; then
    log "building the shelfwise CLI (release; first build ~5 min on 2 cores, then seconds)"
  fi
  cargo build --release --bin shelfwise >&2
  echo "$PWD/target/release/shelfwise"
}

# Trains the demo bundle on the embedded data (skipped when it is newer than its inputs).
build_demo_bundle() {
  local bin out=www/data/model.bundle
  bin=$(cli)
  mkdir -p www/data
  if [ -f "$out" ] && [ "$out" -nt data/online-retail-demo.csv.gz ] && [ "$out" -nt data/online-retail-catalog.csv.gz ] \
    && [ "$out" -nt "$bin" ]; then
    return 0
  fi
  log "training the demo model on data/online-retail-demo.csv.gz (catalogue: data/online-retail-catalog.csv.gz)"
  "$bin" train recs --input data/online-retail-demo.csv.gz \
    --user-col CustomerID --item-col StockCode --time-col InvoiceDate \
    --title-col Description --price-col UnitPrice \
    --basket-col InvoiceNo --model ease --lambda 500 --neighbors 100 \
    --item2vec --item2vec-dim 32 --item2vec-epochs 5 --text-index \
    --catalog data/online-retail-catalog.csv.gz --catalog-id-col StockCode --out "$out"
}

# The demo's "likely to buy" model: boosted trees on UCI Online Shoppers, with the session
# mapping of the demo's page types (data/online-shoppers-features.toml) and its page statistics.
build_demo_propensity() {
  local bin out=www/data/propensity.bundle
  bin=$(cli)
  mkdir -p www/data
  if [ -f "$out" ] && [ "$out" -nt "$bin" ] && [ "$out" -nt data/online-shoppers.csv.gz ] \
    && [ "$out" -nt data/online-shoppers-features.toml ] && [ "$out" -nt data/demo-page-stats.csv ]; then
    return 0
  fi
  log "training the demo propensity model on data/online-shoppers.csv.gz (session mapping: data/online-shoppers-features.toml)"
  "$bin" train propensity --input data/online-shoppers.csv.gz --target Revenue --model gbt \
    --features data/online-shoppers-features.toml --page-stats data/demo-page-stats.csv --out "$out" >/dev/null
}

# bench/.venv with MODULE importable, installing PACKAGES... when it is not.
bench_venv() {
  local module=$1; shift
  [ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
  bench/.venv/bin/python -c "import $module" 2>/dev/null || bench/.venv/bin/pip install -q "$@"
}

# implicit and LightFM 1.17 in bench/.venv, the recommendation references (LightFM builds from
# source: setuptools<70, no build isolation).
ensure_recs_references() {
  bench_venv implicit implicit numpy scipy
  if ! bench/.venv/bin/python -c "import lightfm" 2>/dev/null; then
    log "building LightFM 1.17 into bench/.venv"
    bench/.venv/bin/pip install -q 'setuptools<70' wheel
    bench/.venv/bin/pip install -q --no-build-isolation lightfm
  fi
}

# The nightly toolchain and cargo-fuzz, for the fuzz smoke run (scripts/fuzz.sh).
ensure_fuzz_tools() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    log "installing the nightly toolchain (for cargo-fuzz's sanitizer build)"
    rustup toolchain install nightly --profile minimal
  fi
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    log "installing cargo-fuzz (one time, under a minute)"
    cargo_install_tool cargo-fuzz --locked
  fi
}
