#!/usr/bin/env bash
# ALS on a synthetic 1M users × 50k items × 20M interactions log beside implicit: fit time and
# peak memory (time and memory only; the log models no real shop). Files go to a temp dir.
# Usage: scripts/bench-als-synth.sh [USERS ITEMS INTERACTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bench_venv implicit implicit numpy scipy
users=${1:-1000000} items=${2:-50000} n=${3:-20000000}
dir=$(mktemp -d /tmp/shelfwise-synth-XXXXXX)
trap 'rm -rf "$dir"' EXIT
run_example synth_log "$users" "$items" "$n" "$dir/synth.csv" "$dir/synth.u32"
bin=$(cli)
bench/.venv/bin/python bench/als_synth_vs_implicit.py --shelfwise "$bin" --csv "$dir/synth.csv" --pairs "$dir/synth.u32" "${@:4}"
