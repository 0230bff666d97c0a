#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) with AddressSanitizer, a 2 GB RSS limit
# and a 10 s per-input timeout; fails on any crash, leak, OOM or timeout. Each target starts from
# the committed seeds (fuzz/seeds/TARGET) plus what earlier runs here found (fuzz/corpus/TARGET,
# not committed). Prints each target's executions and a total.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_fuzz_tools
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bundle merge csv_interactions csv_table record rules parquet implicit)
log "building the fuzz targets (nightly, AddressSanitizer; a few minutes the first time)"
cargo +nightly fuzz build --fuzz-dir fuzz
# The targets' scratch files (the Parquet target writes its input to a file) go in a directory
# removed on exit, so runs leave nothing behind in /tmp.
scratch=$(mktemp -d /tmp/shelfwise-fuzz-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
total=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log "fuzzing $t for ${secs}s"
  out=$(mktemp)
  if ! TMPDIR="$scratch" cargo +nightly fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 >"$out" 2>&1; then
    tail -n 60 "$out"
    echo "fuzz target $t failed: see the crash above (artifacts in fuzz/artifacts/$t)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  echo "$t: ${runs:-0} executions, no crash"
  total=$((total + ${runs:-0}))
  rm -f "$out"
done
echo "fuzz: $total executions across ${#targets[@]} targets, 0 crashes"
