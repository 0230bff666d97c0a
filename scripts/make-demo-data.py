#!/usr/bin/env python3
"""Writes data/online-retail-demo.csv.gz: a trimmed extract of the UCI Online Retail data set
(Chen, D. (2015), CC BY 4.0, https://doi.org/10.24432/C5BW33) for the demo storefront.

Kept: purchases (not cancellations, quantity > 0) by identified customers, in the last six months, of real products
(postage, fees and manual adjustments dropped) bought by at least MIN_BUYERS customers.
Columns: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID.
Usage: python3 scripts/make-demo-data.py ../shared/data/online-retail/online_retail.csv.gz
"""
import csv, gzip, io, sys
from collections import defaultdict

MIN_BUYERS = 40
SINCE = "2011-06-01"  # the last six months of the data set
NON_PRODUCTS = {"POST", "DOT", "M", "m", "BANK CHARGES", "C2", "AMAZONFEE", "CRUK", "D", "S", "B", "PADS"}

src = sys.argv[1]
rows = []
buyers = defaultdict(set)
with gzip.open(src, "rt", newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        if not r["CustomerID"] or r["InvoiceNo"].startswith("C") or r["StockCode"] in NON_PRODUCTS:
            continue
        if r["InvoiceDate"] < SINCE or int(r["Quantity"]) <= 0 or float(r["UnitPrice"]) <= 0:
            continue
        rows.append(r)
        buyers[r["StockCode"]].add(r["CustomerID"])
keep = {s for s, b in buyers.items() if len(b) >= MIN_BUYERS}
cols = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(cols)
n = 0
for r in rows:
    if r["StockCode"] in keep:
        w.writerow([r[c] for c in cols])
        n += 1
with open("data/online-retail-demo.csv.gz", "wb") as out:
    out.write(gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9, mtime=0))
print(f"{n} rows, {len(keep)} products", file=sys.stderr)
