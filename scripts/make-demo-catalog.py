#!/usr/bin/env python3
"""Writes data/online-retail-catalog.csv.gz, the demo shop's catalogue, from the demo extract
data/online-retail-demo.csv.gz (UCI Online Retail, Chen 2015, CC BY 4.0).

One row per product: StockCode, price (its latest unit price), category, in_stock, margin,
created (its first sale in the extract). The data set has no categories, stock or margins:
- category: the first group in CATEGORIES whose keywords appear as words of the product's
  description (so a Christmas candle is "christmas", not "lighting"); "gifts" otherwise;
- in_stock and margin are made up, deterministically from a CRC-32 of the stock code: one
  product in ten is out of stock, margins spread over 0.15–0.54.
They exist so the demo can show rules (an in-stock filter, a promoted high-margin slot, at most
three items of a category per shelf); they say nothing about the real shop.
Usage: python3 scripts/make-demo-catalog.py
"""
import csv, gzip, io, re, zlib

CATEGORIES = [
    ("christmas", "CHRISTMAS ADVENT SANTA REINDEER SNOWFLAKE SNOWMAN XMAS"),
    ("bags", "BAG BAGS TOTE SHOPPER"),
    ("kitchen", "MUG CUP CUPS TEA PLATE PLATES BOWL CAKE BAKING LUNCH JAR TIN TINS KITCHEN SPOON NAPKINS CUTLERY TRAY BOTTLE"),
    ("lighting", "CANDLE CANDLES T-LIGHT LIGHT LIGHTS LANTERN LAMP"),
    ("stationery", "CARD CARDS WRAP PAPER NOTEBOOK PEN PENCIL PENCILS STICKER STICKERS ENVELOPE TAPE"),
    ("kids and party", "CHILDRENS CHILD KIDS TOY DOLL DOLLY GAME PARTY BALLOON BALLOONS SPACEBOY CIRCUS"),
    ("garden", "GARDEN PLANT PLANTER FLOWER BIRD WATERING"),
    ("jewellery", "NECKLACE BRACELET EARRINGS RING HAIR"),
    ("home decor", "HEART SIGN FRAME CLOCK MIRROR CUSHION DOORMAT DECORATION HANGING GARLAND BUNTING HOLDER"),
]

def category(description):
    words = set(re.findall(r"[A-Z0-9'-]+", description.upper()))
    for name, keys in CATEGORIES:
        if words & set(keys.split()):
            return name
    return "gifts"

products = {}
with gzip.open("data/online-retail-demo.csv.gz", "rt", newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        p = products.setdefault(r["StockCode"], {"first": r["InvoiceDate"], "last": r["InvoiceDate"], "price": r["UnitPrice"], "desc": r["Description"]})
        p["first"] = min(p["first"], r["InvoiceDate"])
        if r["InvoiceDate"] >= p["last"]:
            p["last"], p["price"], p["desc"] = r["InvoiceDate"], r["UnitPrice"], r["Description"]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["StockCode", "price", "category", "in_stock", "margin", "created"])
for code in sorted(products):
    p = products[code]
    h = zlib.crc32(code.encode())
    w.writerow([code, p["price"], category(p["desc"]), "no" if h % 10 == 0 else "yes", f"{0.15 + (h >> 8) % 40 / 100:.2f}", p["first"][:10]])
with open("data/online-retail-catalog.csv.gz", "wb") as out:
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as g:
        g.write(buf.getvalue().encode())
print(f"{len(products)} products")
