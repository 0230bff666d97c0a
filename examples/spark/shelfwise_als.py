"""Train implicit-feedback ALS on Apache Spark and write what `shelfwise import spark-als` reads.

The same code runs in local mode (``--master local[2]``, as the tests do) and on a cluster
(``spark-submit --master yarn examples/spark/shelfwise_als.py ...``). Steps:

1. read the interaction log (Parquet file or directory, or CSV with a header);
2. index user and item ids to integers (Spark's ALS needs int ids) and write the item index;
3. train ``pyspark.ml.recommendation.ALS`` with ``implicitPrefs=True`` and save the model;
4. compute popularity (distinct users per item) and, with ``--basket-col``, bought-together
   pairs (baskets sharing both items, with lift) in Spark SQL;
5. optionally (``--holdout``) keep a seeded share of each user's interactions out of training and
   write Spark's own precision@10 on it, with the training items excluded, as ``metrics.json``.

Output layout under ``--out``::

    als/            ALSModel.save(): metadata/ (JSON), itemFactors/, userFactors/ (Parquet)
    als_estimator/  ALS.save(): the estimator's regParam, alpha, implicitPrefs (the model keeps only the rank)
    item_ids/       Parquet: index (int), item (string)   -- ALS item index -> the shop's id
    popularity/     Parquet: item (string), users (long), share (double: users / all users)
    together/       Parquet: item, other (string), baskets (long), lift (double)  [--basket-col]
    split/          Parquet: user, item, weight, heldout (the split, written once)  [--holdout]
    train/, test/   Parquet: user, item, weight (the two sides of split/)         [--holdout]
    user_ids/       Parquet: index, user                                          [--holdout]
    recs/           Parquet: user, item, rank: recommendForUserSubset(10)         [--holdout]
    metrics.json    {"precision_at_10": ..., "users": ...}                        [--holdout]

User ids never reach the bundle: `import spark-als` reads only item-side tables.
"""

import argparse
import json
import os

from pyspark.ml.feature import StringIndexer
from pyspark.ml.recommendation import ALS
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", required=True, help="interaction log: Parquet file or directory, or CSV with a header")
    p.add_argument("--out", required=True, help="output directory (overwritten)")
    p.add_argument("--user-col", required=True)
    p.add_argument("--item-col", required=True)
    p.add_argument("--weight-col", help="weight (quantity, rating); default 1 per row")
    p.add_argument("--basket-col", help="basket (order) id: enables bought-together pairs")
    p.add_argument("--rank", type=int, default=32)
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--reg", type=float, default=0.1, help="regParam (Spark scales it by each row's count)")
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--holdout", type=float, default=0.0, help="share of interactions kept out for evaluation")
    p.add_argument("--max-basket", type=int, default=50, help="baskets with more items are left out of pairs")
    p.add_argument("--master", default=None, help="e.g. local[2]; default: what spark-submit says")
    return p.parse_args()


def read_log(spark, path):
    if path.endswith(".csv") or path.endswith(".csv.gz"):
        return spark.read.option("header", True).csv(path)
    return spark.read.parquet(path)


def main():
    a = parse_args()
    builder = SparkSession.builder.appName("shelfwise-als")
    if a.master:
        builder = builder.master(a.master)
    spark = (
        builder.config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    spark.sparkContext.setCheckpointDir(os.path.join(a.out, "_checkpoints"))

    raw = read_log(spark, a.input)
    weight = F.col(a.weight_col).cast("double") if a.weight_col else F.lit(1.0)
    cols = [F.col(a.user_col).cast("string").alias("user"), F.col(a.item_col).cast("string").alias("item"),
            weight.alias("weight")]
    if a.basket_col:
        cols.append(F.col(a.basket_col).cast("string").alias("basket"))
    log = raw.select(*cols).where("user IS NOT NULL AND item IS NOT NULL AND weight > 0")
    # One row per (user, item): weights summed, as shelfwise merges duplicates.
    pairs = log.groupBy("user", "item").agg(F.sum("weight").alias("weight"))

    if a.holdout > 0:
        # A seeded per-interaction split; users keep at least one training interaction. The
        # split is written once and read back: recomputing a rand()-ordered window after a
        # shuffle may order rows differently, and train and test would then overlap.
        w = Window.partitionBy("user").orderBy(F.rand(a.seed), "item")
        ranked = pairs.withColumn("_r", F.row_number().over(w)).withColumn("_n", F.count("*").over(
            Window.partitionBy("user")))
        held = (F.col("_r") <= F.floor(F.col("_n") * a.holdout)) & (F.col("_n") >= 2)
        ranked.withColumn("heldout", held).drop("_r", "_n").write.mode("overwrite") \
            .parquet(os.path.join(a.out, "split"))
        split = spark.read.parquet(os.path.join(a.out, "split"))
        split.where("NOT heldout").drop("heldout").write.mode("overwrite").parquet(os.path.join(a.out, "train"))
        split.where("heldout").drop("heldout").write.mode("overwrite").parquet(os.path.join(a.out, "test"))
        train = spark.read.parquet(os.path.join(a.out, "train")).cache()
        test = spark.read.parquet(os.path.join(a.out, "test"))
    else:
        train = pairs.cache()

    items = StringIndexer(inputCol="item", outputCol="item_index", stringOrderType="alphabetAsc").fit(train)
    users = StringIndexer(inputCol="user", outputCol="user_index", stringOrderType="alphabetAsc").fit(train)
    indexed = users.transform(items.transform(train)).select(
        F.col("user_index").cast("int"), F.col("item_index").cast("int"), "weight")
    spark.createDataFrame([(i, s) for i, s in enumerate(items.labelsArray[0])], "index int, item string") \
        .write.mode("overwrite").parquet(os.path.join(a.out, "item_ids"))

    als = ALS(rank=a.rank, maxIter=a.max_iter, regParam=a.reg, alpha=a.alpha, implicitPrefs=True,
              userCol="user_index", itemCol="item_index", ratingCol="weight", seed=a.seed,
              coldStartStrategy="drop", checkpointInterval=5)
    model = als.fit(indexed)
    model.write().overwrite().save(os.path.join(a.out, "als"))
    als.write().overwrite().save(os.path.join(a.out, "als_estimator"))

    n_users = train.select("user").distinct().count()
    train.groupBy("item").agg(F.countDistinct("user").alias("users")) \
        .withColumn("share", F.col("users") / F.lit(float(n_users))) \
        .write.mode("overwrite").parquet(os.path.join(a.out, "popularity"))

    if a.basket_col:
        baskets = log.select("basket", "item").distinct()
        sizes = baskets.groupBy("basket").agg(F.count("*").alias("size"))
        kept = baskets.join(sizes.where(F.col("size").between(2, a.max_basket)), "basket").select("basket", "item")
        n = kept.select("basket").distinct().count()
        per_item = kept.groupBy("item").agg(F.count("*").alias("n_item"))
        pair = kept.alias("x").join(kept.alias("y"), (F.col("x.basket") == F.col("y.basket")) &
                                    (F.col("x.item") != F.col("y.item"))) \
            .groupBy(F.col("x.item").alias("item"), F.col("y.item").alias("other")).agg(F.count("*").alias("baskets"))
        lift = pair.join(per_item, "item").join(per_item.withColumnRenamed("item", "other")
                                                .withColumnRenamed("n_item", "n_other"), "other") \
            .select("item", "other", "baskets",
                    (F.col("baskets") * F.lit(float(n)) / (F.col("n_item") * F.col("n_other"))).alias("lift"))
        lift.write.mode("overwrite").parquet(os.path.join(a.out, "together"))

    if a.holdout > 0:
        evaluate(spark, a, model, users, items, train, test)
    spark.stop()


def evaluate(spark, a, model, users, items, train, test):
    """Spark's own precision@10 on the held-out interactions, training items excluded."""
    spark.createDataFrame([(i, s) for i, s in enumerate(users.labelsArray[0])], "index int, user string") \
        .write.mode("overwrite").parquet(os.path.join(a.out, "user_ids"))
    user_ids = spark.read.parquet(os.path.join(a.out, "user_ids"))
    item_ids = spark.read.parquet(os.path.join(a.out, "item_ids"))
    longest = train.groupBy("user").count().agg(F.max("count")).first()[0]
    test_users = test.select("user").distinct().join(user_ids, "user").select(F.col("index").alias("user_index"))
    wide = model.recommendForUserSubset(test_users, int(longest) + 10)
    flat = wide.select("user_index", F.posexplode("recommendations").alias("pos", "rec")) \
        .select(F.col("user_index").alias("index"), "pos", F.col("rec.item_index").alias("item_index"),
                F.col("rec.rating").alias("score")) \
        .join(user_ids, "index").join(item_ids.withColumnRenamed("index", "item_index"), "item_index") \
        .select("user", "item", "pos", "score")
    # The plain top 10 (what recommendForUserSubset(10) returns), for the device's fold-in check.
    flat.where("pos < 10").select("user", "item", (F.col("pos") + 1).alias("rank"), "score") \
        .write.mode("overwrite").parquet(os.path.join(a.out, "recs"))
    unseen = flat.join(train.select("user", "item"), ["user", "item"], "left_anti")
    top = unseen.withColumn("r", F.row_number().over(Window.partitionBy("user").orderBy("pos"))).where("r <= 10")
    hits = top.join(test.select("user", "item"), ["user", "item"]).groupBy("user").count()
    n_users = test.select("user").distinct().count()
    total_hits = hits.agg(F.sum("count")).first()[0] or 0
    metrics = {"precision_at_10": total_hits / (10.0 * n_users), "users": n_users,
               "rank": a.rank, "reg": a.reg, "alpha": a.alpha, "max_iter": a.max_iter}
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
