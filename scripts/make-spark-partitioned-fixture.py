"""Writes tests/fixtures/spark-partitioned/: a small synthetic interaction log as Spark writes it
with `partitionBy("day", "store")`, as Parquet in `events/` (snappy part files, INT96 timestamps,
a decimal price, store names that Spark escapes in directory names, and a null store in
`__HIVE_DEFAULT_PARTITION__`), as gzip CSV with header lines in `events-csv/`, unpartitioned as
CSV compressed with each of Hadoop's other codecs in `events-text/CODEC/` (three part files of at
most 100 rows each, in 4 KiB blocks for snappy and LZ4, so that a part holds several), and the same
rows as `expected.csv` (times as Unix seconds), for tests/parquet.rs and tests/csv_parts.rs.
A directory that exists is left as it is (part file names hold a random id): delete one to write
it again.

    examples/spark/.venv/bin/python scripts/make-spark-partitioned-fixture.py
"""

import os
import shutil

from pyspark.sql import SparkSession, functions as F

out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "spark-partitioned")
spark = SparkSession.builder.master("local[1]").appName("fixture").config("spark.ui.enabled", "false") \
    .config("spark.sql.session.timeZone", "UTC") \
    .config("spark.hadoop.io.compression.codec.snappy.buffersize", "4096") \
    .config("spark.hadoop.io.compression.codec.lz4.buffersize", "4096").getOrCreate()
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


def missing(name):
    return not os.path.exists(os.path.join(out, name))


if missing("events"):
    rows.repartition(1).write.partitionBy("day", "store").parquet(os.path.join(out, "events"))
if missing("events-csv"):
    rows.repartition(1).write.partitionBy("day", "store").option("header", True).option("compression", "gzip") \
        .csv(os.path.join(out, "events-csv"))
for codec in ("bzip2", "deflate", "lz4", "snappy"):
    if missing(f"events-text/{codec}"):
        rows.repartition(1).write.option("header", True).option("compression", codec) \
            .option("maxRecordsPerFile", 100).csv(os.path.join(out, "events-text", codec))
expected = rows.withColumn("event_time", F.unix_timestamp("event_time")).orderBy("n").collect()
with open(os.path.join(out, "expected.csv"), "w") as f:
    f.write("n,user_id,item_id,quantity,event_time,price,day,store\n")
    for r in expected:
        f.write(",".join("" if v is None else str(v) for v in r) + "\n")
spark.stop()
