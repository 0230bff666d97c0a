"""Writes tests/fixtures/spark-partitioned/: a small synthetic interaction log as Spark writes it
with `partitionBy("day", "store")`, as Parquet in `events/` (snappy part files, INT96 timestamps,
a decimal price, store names that Spark escapes in directory names, and a null store in
`__HIVE_DEFAULT_PARTITION__`) and as gzip CSV with header lines in `events-csv/`, and the same
rows as `expected.csv` (times as Unix seconds), for tests/parquet.rs and tests/csv_parts.rs.

    examples/spark/.venv/bin/python scripts/make-spark-partitioned-fixture.py
"""

import os
import shutil

from pyspark.sql import SparkSession, functions as F

out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "spark-partitioned")
spark = SparkSession.builder.master("local[1]").appName("fixture").config("spark.ui.enabled", "false") \
    .config("spark.sql.session.timeZone", "UTC").getOrCreate()
spark.sparkContext.setLogLevel("WARN")
n = F.col("id")
rows = spark.range(0, 240).select(
    n.alias("n"),
    (n % 37).alias("user_id"),
    F.concat(F.lit("sku-"), (n * 7 % 23).cast("string")).alias("item_id"),
    (n % 5 + 1).cast("int").alias("quantity"),
    F.timestamp_seconds(F.lit(1709287200) + n * 3599).alias("event_time"),
    (F.lit(1.99) + n % 9).cast("decimal(10,2)").alias("price"),
    F.when(n % 2 == 0, "2024-03-01").otherwise("2024-03-02").alias("day"),
    F.when(n % 7 == 0, F.lit(None).cast("string"))
    .otherwise(F.concat(F.lit("store:"), (n % 3).cast("string"), F.lit("/east"))).alias("store"),
)
for name in ("events", "events-csv"):
    shutil.rmtree(os.path.join(out, name), ignore_errors=True)
rows.repartition(1).write.partitionBy("day", "store").parquet(os.path.join(out, "events"))
rows.repartition(1).write.partitionBy("day", "store").option("header", True).option("compression", "gzip") \
    .csv(os.path.join(out, "events-csv"))
expected = rows.withColumn("event_time", F.unix_timestamp("event_time")).orderBy("n").collect()
with open(os.path.join(out, "expected.csv"), "w") as f:
    f.write("n,user_id,item_id,quantity,event_time,price,day,store\n")
    for r in expected:
        f.write(",".join("" if v is None else str(v) for v in r) + "\n")
spark.stop()
