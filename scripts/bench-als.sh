#!/usr/bin/env bash
# ALS fit time and precision@10 beside the Python implicit library (installed into bench/.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ratings=${1:-../shared/data/ml-latest-small/ratings.csv}
[ -f "$ratings" ] || { echo "SKIPPED: $ratings is absent"; exit 0; }
bench_venv implicit implicit numpy scipy
bin=$(cli)
bench/.venv/bin/python bench/als_vs_implicit.py --shelfwise "$bin" --ratings "$ratings" "${@:2}"
