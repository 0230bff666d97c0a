#!/usr/bin/env bash
# A time window over a day-partitioned log: the synthetic 20M-row log (`examples/synth_log.rs`)
# cut into 20 days of 1M rows, as CSV part files in `day=2024-03-DD/` directories, read with
# `--time-col day` whole and with `--since 2024-03-19` (the last 2 days: the other 18 part files
# are not read), RUNS times each, interleaved: the read's time, wall time and peak memory of
# `train recs --model popular`.
# Usage: scripts/bench-window.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
runs=${1:-3}
dir=$(mktemp -d /tmp/shelfwise-window-XXXXXX)
trap 'rm -rf "$dir"' EXIT
run_example synth_log 1000000 50000 20000000 "$dir/log.csv" "$dir/log.u32" 42
bin=$(cli)
header=$(head -1 "$dir/log.csv")
tail -n +2 "$dir/log.csv" | split -l 1000000 -d -a 2 - "$dir/body-"
for f in "$dir"/body-*; do
  day=$(printf "%02d" $((10#${f##*body-} + 1)))
  mkdir -p "$dir/days/day=2024-03-$day"
  { echo "$header"; cat "$f"; } >"$dir/days/day=2024-03-$day/part-00000.csv"
  rm "$f"
done
for r in $(seq "$runs"); do
  for window in "" "--since 2024-03-19"; do
    out=$(/usr/bin/time -f "%e s wall, %M KB peak" "$bin" train recs --input "$dir/days" --user-col user \
      --item-col item --time-col day $window --model popular --out "$dir/m.bundle" 2>&1)
    read=$(sed -n 's/^read \([0-9]*\) rows in \([^:]*\):.*/\1 rows in \2/p' <<<"$out")
    echo "${window:-whole log} run $r: read $read; $(grep -o '[0-9]* part files outside it not read' <<<"$out" || true) $(tail -1 <<<"$out")"
  done
done
