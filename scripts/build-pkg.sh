#!/usr/bin/env bash
# Builds the JS package into pkg/ (and copies it to www/pkg/): two wasm32 release builds (the
# whole runtime, and recommendations only in pkg/recs/), wasm-bindgen (web target), package.json
# from pkg-template/ with Cargo.toml's version.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_wasm_tools

wasm=target/wasm32-unknown-unknown/release/shelfwise.wasm
[ -f "$wasm" ] || log "building the wasm runtime (release; first build ~1 min, then seconds)"
# Dependency paths in panic messages written as /cargo (lib.sh, cargo_home_remap), added to
# .cargo/config.toml's flags. Without features it is the recommendations-only runtime.
build_wasm() {
  cargo build --release --target wasm32-unknown-unknown --lib --no-default-features "$@" \
    --config "target.wasm32-unknown-unknown.rustflags = ['$(cargo_home_remap)']"
}
rm -rf pkg && mkdir -p pkg/recs
# The whole runtime for the package's main entry; then the one without `Propensity` and
# `TextClassifier` for `shelfwise/recs` (each build relinks only the crate, about 15 s).
build_wasm --features js-propensity,js-text
bindgen_shipped "$wasm" pkg
build_wasm
bindgen_shipped "$wasm" pkg/recs
# `[Symbol.dispose]` needs TypeScript's esnext.disposable lib: without this line the types compile
# under any `lib` setting (the method stays at run time; `dispose()` does the same).
sed -i '/\[Symbol\.dispose\]()/d' pkg/shelfwise.d.ts pkg/recs/shelfwise.d.ts
cp pkg-template/README.md pkg-template/node.js pkg-template/index.js pkg-template/load.js pkg-template/index.d.ts \
  pkg-template/recs.js pkg-template/recs-node.js pkg-template/recs.d.ts \
  pkg-template/profile.js pkg-template/profile.d.ts pkg-template/page.js pkg-template/page.d.ts \
  pkg-template/experiment.js pkg-template/experiment.d.ts pkg-template/session.js pkg-template/session.d.ts \
  LICENSE-MIT LICENSE-APACHE pkg/
version=$(crate_version)
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" pkg-template/package.json > pkg/package.json
rm -rf www/pkg && cp -r pkg www/pkg

echo "pkg/shelfwise_bg.wasm: $(wasm_sizes pkg/shelfwise_bg.wasm) (package version $version)"
echo "pkg/recs/shelfwise_bg.wasm: $(wasm_sizes pkg/recs/shelfwise_bg.wasm) (recommendations only: shelfwise/recs)"
