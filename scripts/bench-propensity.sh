#!/usr/bin/env bash
# Propensity training time and AUC beside scikit-learn and LightGBM (installed into bench/.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
data=${1:-../shared/data/online-shoppers-intention/online_shoppers_intention.csv}
[ -f "$data" ] || { echo "SKIPPED: $data is absent"; exit 0; }
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/python -c "import sklearn, lightgbm" 2>/dev/null || bench/.venv/bin/pip install -q scikit-learn lightgbm numpy
bin=$(cli)
bench/.venv/bin/python bench/propensity_vs_sklearn.py --shelfwise "$bin" --input "$data"
