#!/usr/bin/env bash
# The two gzip bombs of the hostile-input issue at full size, with peak memory (GNU time):
#   1. one 6 GB field (a ~6 MB gzip): must stop with a "row longer than 16 MiB" error;
#   2. 750M copies of one row (a ~9 MB gzip): must read in memory for 1 distinct pair.
# Neither may exit 134 (abort) or pass 2 GB of RSS. Files go to bench/out/ (not committed).
#   bash bench/hostile-bombs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
apt_install time
bin=$(cli)
mkdir -p bench/out
field=bench/out/field-bomb.csv.gz
rows=bench/out/row-bomb.csv.gz
if [ ! -f "$field" ]; then
  log "writing $field (one 6 GB field)"
  { printf 'user,item\nu1,'; head -c 6000000000 /dev/zero | tr '\0' a; printf '\n'; } | gzip -1 > "$field"
fi
if [ ! -f "$rows" ]; then
  log "writing $rows (750M identical rows)"
  # `yes` ends on SIGPIPE once `head` has its rows: not a failure.
  { printf 'user,item\n'; (yes 'u1,i1' || true) | head -n 750000000; } | gzip -1 > "$rows"
fi
ls -l "$field" "$rows"
run() {
  local name=$1; shift
  local status=0
  /usr/bin/time -f "%M KB peak RSS, %e s" -o bench/out/time.txt "$bin" "$@" > bench/out/out.txt 2>&1 || status=$?
  echo "$name: exit $status, $(cat bench/out/time.txt)"
  tail -n 3 bench/out/out.txt | sed 's/^/    /'
}
run "6 GB field" train recs --input "$field" --user-col user --item-col item --model popular --out bench/out/m.bundle
run "750M rows" train recs --input "$rows" --user-col user --item-col item --model popular --out bench/out/m.bundle
