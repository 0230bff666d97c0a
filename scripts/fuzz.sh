#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) with AddressSanitizer, a 2 GB RSS limit
# and a 10 s per-input timeout; fails on any crash, leak, OOM or timeout. Each target starts from
# the committed seeds (fuzz/seeds/TARGET) plus what earlier runs here found (fuzz/corpus/TARGET,
# not committed). Targets run side by side, one per core. Prints each target's executions and a
# total.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_fuzz_tools
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bundle merge csv_interactions csv_table text_codecs record rules parquet implicit)
log "building the fuzz targets (nightly, AddressSanitizer; a few minutes the first time)"
cargo +nightly fuzz build --fuzz-dir fuzz
# The targets' scratch files (the Parquet target writes its input to a file) go in a directory
# removed on exit, so runs leave nothing behind in /tmp.
scratch=$(mktemp -d /tmp/shelfwise-fuzz-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# One target's run: its output in $scratch/TARGET.out, its exit status in $scratch/TARGET.rc.
fuzz_one() {
  local t=$1 rc=0
  mkdir -p "fuzz/corpus/$t" "$scratch/tmp-$t"
  TMPDIR="$scratch/tmp-$t" cargo +nightly fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 \
    >"$scratch/$t.out" 2>&1 || rc=$?
  echo "$rc" >"$scratch/$t.rc"
}

# libFuzzer runs on one core, so the targets run in lanes, one per core (FUZZ_LANES to change):
# lane i takes targets i, i + lanes, … one after another. Each target still gets SECONDS.
lanes=${FUZZ_LANES:-$(nproc)}
log "fuzzing ${#targets[@]} targets for ${secs}s each, $lanes at a time: ${targets[*]}"
pids=()
for ((lane = 0; lane < lanes; lane++)); do
  (for ((i = lane; i < ${#targets[@]}; i += lanes)); do fuzz_one "${targets[$i]}"; done) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

total=0 failed=0
for t in "${targets[@]}"; do
  rc=$(cat "$scratch/$t.rc" 2>/dev/null || echo missing)
  if [ "$rc" != 0 ]; then
    tail -n 60 "$scratch/$t.out" 2>/dev/null || true
    echo "fuzz target $t failed (exit $rc): see the crash above (artifacts in fuzz/artifacts/$t)" >&2
    failed=1
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.out" | tail -1)
  echo "$t: ${runs:-0} executions, no crash"
  total=$((total + ${runs:-0}))
done
[ "$failed" = 0 ] || exit 1
echo "fuzz: $total executions across ${#targets[@]} targets, 0 crashes"
