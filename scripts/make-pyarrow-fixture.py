"""Writes tests/fixtures/pyarrow/: one small synthetic shop log as pandas and pyarrow write it, in
the types and layouts a shop's data team produces (`DataFrame.to_parquet`'s defaults, a
categorical id of strings and one of integers, `string[pyarrow]`, `large_string`, millisecond,
INT96 and Europe/Paris timestamps, data page v2 with zstd and no dictionary, int32 ids with a
float32 quantity and a decimal price, gzip and LZ4 pages, dates, uint64 ids past i64 and the same
ids as DECIMAL(38,0), strings as plain binary, UUID ids), beside the CSV of the same rows that
pandas writes (`log.csv`; `log-*.csv` for the files whose values differ, such as times with their
offset), and a visit table for propensity (`sessions.parquet`: bool, categorical, nullable Int64
with missing values, floats with missing values; `sessions.csv`), for tests/parquet.rs. Seeded:
the rows are the same on every run (the files' `created_by` names the pyarrow version).

    python3 -m venv /tmp/pyarrow-venv && /tmp/pyarrow-venv/bin/pip install pyarrow pandas
    /tmp/pyarrow-venv/bin/python scripts/make-pyarrow-fixture.py
"""

import os
import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "pyarrow")
os.makedirs(out, exist_ok=True)
path = lambda name: os.path.join(out, name)
rng = np.random.default_rng(7)

# The log: 400 rows, 60 customers, 80 products, repeated pairs, times with milliseconds.
n = 400
items = rng.integers(1000, 1080, n)
log = pd.DataFrame({
    "user": rng.integers(1, 61, n).astype("int64"),
    "item": items.astype("int64"),
    "qty": rng.integers(1, 5, n).astype("float64"),
    "ts": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 86400 * 60 * 1000, n), unit="ms"),
    "title": ["Item %d" % i for i in items],
    "price": items % 50 + 0.99,
})
log.to_csv(path("log.csv"), index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
log.to_parquet(path("pandas.parquet"))

typed = log.copy()
typed["user"] = typed["user"].astype(str).astype("category")
typed["item"] = typed["item"].astype(str).astype("string[pyarrow]")
typed.to_parquet(path("categorical.parquet"))
codes = log.copy()
codes["user"] = pd.Categorical(codes["user"])
codes.to_parquet(path("int-categorical.parquet"))
# Times in a zone: pandas' CSV writes them with their offset (`2024-02-21 03:07:57.972000+01:00`).
paris = log.copy()
paris["ts"] = paris["ts"].dt.tz_convert("Europe/Paris")
paris.to_csv(path("log-paris.csv"), index=False)
paris.to_parquet(path("paris.parquet"))

table = pa.Table.from_pandas(log, preserve_index=False)
column = lambda t, name, values: t.set_column(t.schema.get_field_index(name), name, values)
wide = column(table, "title", table["title"].cast(pa.large_string()))
wide = column(wide, "ts", wide["ts"].cast(pa.timestamp("ms", tz="UTC")))
pq.write_table(wide, path("large-string-ms.parquet"))
pq.write_table(table, path("int96.parquet"), use_deprecated_int96_timestamps=True)
pq.write_table(table, path("v2-zstd-plain.parquet"), data_page_version="2.0", compression="zstd",
               use_dictionary=False)
pq.write_table(table, path("gzip.parquet"), compression="gzip")
pq.write_table(table, path("lz4.parquet"), compression="lz4")
narrow = column(table, "user", table["user"].cast(pa.int32()))
narrow = column(narrow, "qty", narrow["qty"].cast(pa.float32()))
narrow = column(narrow, "price", narrow["price"].cast(pa.decimal128(10, 2)))
pq.write_table(narrow, path("narrow-types.parquet"))

# Strings written as plain binary (no UTF-8 annotation), as Impala and older Hive write them.
binary = table
for name in ["user", "item", "title"]:
    binary = column(binary, name, binary[name].cast(pa.string()).cast(pa.binary()))
pq.write_table(binary, path("binary-strings.parquet"))
# UUID ids (Parquet's UUID type, pyarrow's `pa.uuid()`), written in the CSV as their text.
ids = log.copy()
ids["user"] = [uuid.UUID(int=(int(u) * 0x9E3779B97F4A7C15_F39CC0605CEDC835) % (1 << 128)) for u in log["user"]]
ids.to_csv(path("log-uuid.csv"), index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
uuids = pa.array([u.bytes for u in ids["user"]], type=pa.uuid())
pq.write_table(column(table, "user", uuids), path("uuid.parquet"))

dates = log.copy()
dates["ts"] = dates["ts"].dt.strftime("%Y-%m-%d")
dates.to_csv(path("log-dates.csv"), index=False)
pq.write_table(column(table, "ts", table["ts"].cast(pa.date32())), path("date32.parquet"))

big = log.copy()
big["user"] = big["user"].astype("uint64") + np.uint64(18446744073709551000)
big.to_csv(path("log-uint64.csv"), index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
big.to_parquet(path("uint64.parquet"))
# The same ids as DECIMAL(38,0), as Snowflake unloads a NUMBER column.
big_table = pa.Table.from_pandas(big, preserve_index=False)
pq.write_table(column(big_table, "user", big_table["user"].cast(pa.decimal128(38, 0))), path("decimal-ids.parquet"))

# Visits: 600 rows; missing values in a nullable integer and a float column.
m = 600
visits = pd.DataFrame({
    "pages": rng.integers(0, 50, m),
    "duration": np.where(rng.random(m) < 0.1, np.nan, rng.exponential(100, m).round(3)),
    "month": pd.Categorical(rng.choice(["Jan", "Feb", "Mar"], m)),
    "returning": rng.random(m) < 0.5,
    "region": pd.array(rng.integers(1, 5, m), dtype="Int64"),
})
visits.loc[rng.random(m) < 0.05, "region"] = pd.NA
visits["bought"] = (visits["pages"] * 0.05 + visits["returning"] * 0.5 + rng.normal(0, 1, m)) > 1.5
visits.to_csv(path("sessions.csv"), index=False)
visits.to_parquet(path("sessions.parquet"))
print("wrote", sorted(os.listdir(out)))
