#!/usr/bin/env bash
# The synthetic 20M-row log (`examples/synth_log.rs`) as plain CSV and compressed with gzip,
# Zstandard and bzip2 at their command-line tools' default levels, each read by `train recs
# --model popular` RUNS times, interleaved: the read's time, wall time and peak memory, and
# whether every bundle is byte-identical to the plain CSV's.
# Usage: scripts/bench-compressed.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
runs=${1:-3}
command -v zstd >/dev/null || apt_install zstd
command -v bzip2 >/dev/null || apt_install bzip2
dir=$(mktemp -d /tmp/shelfwise-compressed-XXXXXX)
trap 'rm -rf "$dir"' EXIT
run_example synth_log 1000000 50000 20000000 "$dir/log.csv" "$dir/log.u32" 42
gzip -k "$dir/log.csv" && zstd -q "$dir/log.csv" && bzip2 -k "$dir/log.csv"
ls -l "$dir"/log.csv* | awk '{print $5, $9}'
bin=$(cli)
for r in $(seq "$runs"); do
  for f in log.csv log.csv.gz log.csv.zst log.csv.bz2; do
    out=$(/usr/bin/time -f "%e s wall, %M KB peak" "$bin" train recs --input "$dir/$f" --user-col user \
      --item-col item --model popular --out "$dir/$f.bundle" 2>&1)
    echo "$f run $r: $(sed -n 's/^read [0-9]* rows in \([^:]*\):.*/read in \1/p' <<<"$out"); $(tail -1 <<<"$out")"
  done
done
for f in log.csv.gz log.csv.zst log.csv.bz2; do
  cmp "$dir/log.csv.bundle" "$dir/$f.bundle" && echo "$f: bundle byte-identical to the plain CSV's"
done
