#!/usr/bin/env bash
# New items (cold start) on Online Retail beside random, title TF-IDF nearest neighbour and
# LightFM (bench/cold_start.py); installs the references into bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
log_file=${1:-../shared/data/online-retail/online_retail.csv.gz}
[ -f "$log_file" ] || { echo "SKIPPED: $log_file is absent"; exit 0; }
ensure_recs_references
bin=$(cli)
bench/.venv/bin/python bench/cold_start.py --shelfwise "$bin" --log "$log_file"
