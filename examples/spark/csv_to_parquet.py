"""Copy a CSV (with a header) to a Parquet folder with Spark: how the tests make a Parquet
interaction log from a CSV one. Columns keep the types Spark infers (ids and timestamps as
integers where they are).

    python examples/spark/csv_to_parquet.py ratings.csv out/ratings.parquet [--master local[2]]
"""

import argparse

from pyspark.sql import SparkSession

p = argparse.ArgumentParser()
p.add_argument("csv")
p.add_argument("out")
p.add_argument("--master", default=None)
a = p.parse_args()
builder = SparkSession.builder.appName("csv-to-parquet").config("spark.ui.enabled", "false") \
    .config("spark.ui.showConsoleProgress", "false")
if a.master:
    builder = builder.master(a.master)
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("WARN")
spark.read.option("header", True).option("inferSchema", True).csv(a.csv).write.mode("overwrite").parquet(a.out)
spark.stop()
