#!/usr/bin/env bash
# Reading the synthetic 20M-row log as CSV and as Parquet (the same pairs, `examples/synth_log.rs`;
# Parquet with snappy pages and 1M-row groups): the read's time, and wall time and peak memory of
# `train recs --model popular` (reading, merging duplicates and a popularity fit of milliseconds),
# each format RUNS times interleaved, and whether the two bundles are byte-identical.
# With --split, each run's peak is also split into anonymous memory (the data) and file-backed
# pages (mostly the CLI's code), their largest values sampled from /proc every 5 ms; the
# sampling takes CPU, so read times from such runs are not for the time goal.
# Usage: scripts/bench-parquet.sh [--split] [USERS ITEMS INTERACTIONS [RUNS]]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
split=false
if [[ ${1:-} == --split ]]; then split=true; shift; fi
users=${1:-1000000} items=${2:-50000} n=${3:-20000000} runs=${4:-3}
dir=$(mktemp -d /tmp/shelfwise-parquet-XXXXXX)
trap 'rm -rf "$dir"' EXIT
run_example synth_log "$users" "$items" "$n" "$dir/log.csv" "$dir/log.u32" 42 "$dir/log.parquet"
bin=$(cli)
ls -l "$dir"/log.csv "$dir"/log.parquet | awk '{print $5, $9}'
# Runs "$@" and prints the largest RssAnon and RssFile /proc showed while it ran, and its VmHWM.
rss_split() {
  local pid anon=0 file=0 hwm=0 k v
  "$@" &
  pid=$!
  while [[ -r /proc/$pid/status ]]; do
    while read -r k v _; do
      case $k in
        RssAnon:) ((v > anon)) && anon=$v ;;
        RssFile:) ((v > file)) && file=$v ;;
        VmHWM:) hwm=$v ;;
        State:) [[ $v == Z ]] && break 2 ;;
      esac
    done </proc/$pid/status 2>/dev/null || break
    sleep 0.005
  done
  wait "$pid"
  echo "largest anonymous $anon KB, file-backed $file KB; peak $hwm KB"
}
for r in $(seq "$runs"); do
  for f in csv parquet; do
    # The read's own time (as the CLI reports it), then the whole command's wall time and peak.
    cmd=("$bin" train recs --input "$dir/log.$f" --user-col user --item-col item --model popular --out "$dir/$f.bundle")
    if $split; then
      out=$(rss_split "${cmd[@]}" 2>&1)
    else
      out=$(/usr/bin/time -f "%e s wall, %M KB peak" "${cmd[@]}" 2>&1)
    fi
    read=$(sed -n 's/^read [0-9]* rows in \([^:]*\):.*/\1/p' <<<"$out")
    echo "$f run $r: read in $read; $(tail -1 <<<"$out")"
    echo "$read" >>"$dir/$f.reads"
  done
done
# The goal compares medians of the reads' own times (Rust's Debug format: s or ms).
median() { sed 's/ms$/e-3/; s/s$//' "$1" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
csv=$(median "$dir/csv.reads") parquet=$(median "$dir/parquet.reads")
awk -v c="$csv" -v p="$parquet" 'BEGIN {printf "median read: CSV %.3f s, Parquet %.3f s, Parquet/CSV %.2f\n", c, p, p / c}'
cmp "$dir/csv.bundle" "$dir/parquet.bundle" && echo "bundles: byte-identical"
