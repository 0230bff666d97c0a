#!/usr/bin/env bash
# The Spark route end to end (issue "Beyond one machine"): make a Parquet interaction log, train
# Spark MLlib ALS on it in local[2] mode with examples/spark/shelfwise_als.py, then run
# tests/spark.rs, which imports the model (`shelfwise import spark-als`) and checks the device's
# fold-in against Spark's user factors, its top 10 against recommendForUserSubset, and
# precision@10 against Spark's own. Data: ml-latest-small when ../shared/data has it, else the
# committed Online Retail extract.
#   bash scripts/test-spark.sh             # job + test
#   bash scripts/test-spark.sh --job-only  # job only; prints the job folder last
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_spark
py=examples/spark/.venv/bin/python
out=target/spark-route
if [ -f ../shared/data/ml-latest-small/ratings.csv ]; then
  input=../shared/data/ml-latest-small/ratings.csv cols=(--user-col userId --item-col movieId)
else
  input=data/online-retail-demo.csv.gz
  cols=(--user-col CustomerID --item-col StockCode --weight-col Quantity --basket-col InvoiceNo)
fi
mkdir -p "$out"
log "Spark: $input as Parquet, then ALS (rank 32, 10 iterations, implicitPrefs, local[2]) with a 20 % hold-out"
start=$(date +%s)
"$py" examples/spark/csv_to_parquet.py "$input" "$out/log.parquet" --master 'local[2]' 2>&1 | grep -vE 'WARN|log4j|setLogLevel|netlib' >&2 || true
"$py" examples/spark/shelfwise_als.py --input "$out/log.parquet" --out "$out/job" "${cols[@]}" \
  --rank 32 --max-iter 10 --reg 0.1 --alpha 10 --holdout 0.2 --master 'local[2]' 2>&1 | grep -vE 'WARN|log4j|setLogLevel|netlib' >&2 || true
[ -f "$out/job/metrics.json" ] || { echo "the Spark job wrote no metrics.json" >&2; exit 1; }
log "Spark job done in $(( $(date +%s) - start )) s: $out/job"
if [ "${1:-}" = "--job-only" ]; then
  echo "$(pwd)/$out/job"
  exit 0
fi
SHELFWISE_SPARK_OUT="$(pwd)/$out/job" cargo test --release --test spark -- --include-ignored --nocapture
