#!/usr/bin/env bash
# Text classifier beside scikit-learn on the amazon-toys reference task (local data only).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
data=${1:-../shared/data/amazon-toys/amazon_co-ecommerce_sample.csv}
[ -f "$data" ] || { echo "SKIPPED: $data is absent"; exit 0; }
bench_venv sklearn scikit-learn numpy
bin=$(cli)
bench/.venv/bin/python bench/text_vs_sklearn.py --shelfwise "$bin" --input "$data" --extra "${*:2}"
