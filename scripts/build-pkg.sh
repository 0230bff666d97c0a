#!/usr/bin/env bash
# Builds the JS package into pkg/ (and copies it to www/pkg/): wasm32 release build,
# wasm-bindgen (web target), package.json from pkg-template/ with Cargo.toml's version.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_wasm_tools

[ -f target/wasm32-unknown-unknown/release/shelfwise.wasm ] \
  || log "building the wasm runtime (release; first build ~1 min, then seconds)"
# Panic messages carry the source paths of dependencies, under the Cargo home of whoever builds:
# written as /cargo, so the shipped bytes (and their integrity hash) do not depend on the
# machine or name the builder's home directory. (Added to .cargo/config.toml's flags.)
cargo_home=$(cd "${CARGO_HOME:-$HOME/.cargo}" && pwd -P)
cargo build --release --target wasm32-unknown-unknown --lib --no-default-features \
  --config "target.wasm32-unknown-unknown.rustflags = ['--remap-path-prefix=$cargo_home=/cargo']"
rm -rf pkg && mkdir -p pkg
# Function names and producer metadata only serve debuggers; leaving them out saves ~10 KB gzip.
wasm-bindgen target/wasm32-unknown-unknown/release/shelfwise.wasm --out-dir pkg --out-name shelfwise --target web \
  --remove-name-section --remove-producers-section
# `[Symbol.dispose]` needs TypeScript's esnext.disposable lib: without this line the types compile
# under any `lib` setting (the method stays at run time; `dispose()` does the same).
sed -i '/\[Symbol\.dispose\]()/d' pkg/shelfwise.d.ts
cp pkg-template/README.md pkg-template/node.js pkg-template/index.js pkg-template/index.d.ts pkg-template/profile.js pkg-template/profile.d.ts pkg-template/page.js pkg-template/page.d.ts pkg-template/experiment.js pkg-template/experiment.d.ts pkg-template/session.js pkg-template/session.d.ts LICENSE-MIT LICENSE-APACHE pkg/
version=$(crate_version)
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" pkg-template/package.json > pkg/package.json
rm -rf www/pkg && cp -r pkg www/pkg

raw=$(stat -c %s pkg/shelfwise_bg.wasm)
gz=$(gzip -9 -c pkg/shelfwise_bg.wasm | wc -c)
echo "pkg/shelfwise_bg.wasm: $raw bytes raw, $gz bytes gzip -9 (package version $version)"
