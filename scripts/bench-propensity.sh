#!/usr/bin/env bash
# Propensity training time and AUC beside scikit-learn and LightGBM (installed into bench/.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
data=${1:-../shared/data/online-shoppers-intention/online_shoppers_intention.csv}
[ -f "$data" ] || { echo "SKIPPED: $data is absent"; exit 0; }
bench_venv "sklearn, lightgbm" scikit-learn lightgbm numpy
bin=$(cli)
bench/.venv/bin/python bench/propensity_vs_sklearn.py --shelfwise "$bin" --input "$data"
