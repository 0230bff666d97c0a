#!/usr/bin/env bash
# Recommendation quality beside implicit (ALS, BPR) and LightFM (WARP) on one split; installs the
# references into bench/.venv (LightFM 1.17 builds from source: setuptools<70, no build isolation).
# Usage: scripts/bench-recs-quality.sh [ratings.csv [user-col item-col]]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ratings=${1:-../shared/data/ml-latest-small/ratings.csv}
[ -f "$ratings" ] || { echo "SKIPPED: $ratings is absent"; exit 0; }
ensure_recs_references
bin=$(cli)
bench/.venv/bin/python bench/recs_quality.py --shelfwise "$bin" --ratings "$ratings" \
  --user-col "${2:-userId}" --item-col "${3:-movieId}" "${@:4}"
