#!/usr/bin/env bash
# Runs the unsafe handshake of the boosting helper thread (src/train/propensity/helper.rs) under
# Miri, which checks its pointer accesses, data races and weak-memory orderings, over SEEDS
# thread schedules (default 16). Not part of test.sh: building the crate under Miri takes about
# five minutes on 2 cores. The rayon test of that module is left out: crossbeam's deque trips
# Miri's Stacked Borrows inside rayon, not in this crate's code.
#   bash scripts/miri.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_fuzz_tools
if ! rustup +nightly component list --installed | grep -q '^miri'; then
  log "adding Miri and the standard library's source to nightly"
  rustup +nightly component add miri rust-src
fi
seeds=${1:-16}
log "Miri: helper.rs's tests over $seeds schedules"
MIRIFLAGS="-Zmiri-many-seeds=0..$seeds" cargo +nightly miri test --lib -- \
  helper::tests::both_halves_run_once_with_their_results \
  helper::tests::a_panic_in_either_half_reaches_the_caller_after_both_finish
