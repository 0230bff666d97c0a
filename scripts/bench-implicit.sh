#!/usr/bin/env bash
# The implicit route on ml-latest-small: implicit 0.7.3's ALS (bench/.venv) trained by
# bench/implicit_export.py at its best setting of BENCHMARKS.md's quality table, imported by
# `shelfwise import implicit`, checked by tests/implicit.rs (fold-in, top 10, precision@10).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ratings=${1:-../shared/data/ml-latest-small/ratings.csv}
[ -f "$ratings" ] || { echo "SKIPPED: $ratings is absent"; exit 0; }
bench_venv implicit implicit numpy scipy
out=bench/out/implicit-ml
log "training implicit ALS on $ratings into $out"
/usr/bin/time -f "implicit export: %e s" bench/.venv/bin/python bench/implicit_export.py \
  --ratings "$ratings" --out "$out" --factors 128 --regularization 10 --alpha 1 --iterations 15
log "importing and comparing (tests/implicit.rs)"
SHELFWISE_IMPLICIT_OUT="$out" cargo test --release --test implicit implicit_als_imported -- --nocapture
