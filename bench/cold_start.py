#!/usr/bin/env python3
"""New items (cold start) on Online Retail, one split, one run: shelfwise's look-alike placement
(`train recs --catalog`, then `recommend --include-only`) beside random ranking, the title TF-IDF
nearest neighbour (each new item scored by its highest cosine to any history title) and LightFM
1.17 WARP with identity and title-word item features.

The split (as `tests/quality.rs`): rows with a customer and a quantity > 0; the cut is 60 days
before the last invoice; the 118 items first sold after it are new: in the catalogue (id, title =
the item's most frequent description), absent from training. The 985 customers who bought a new
item after the cut and bought anything before it are ranked the new items only, from their
history before the cut. hit-rate@10 = share with a bought new item in their top 10;
recall@10 = bought new items in the top 10 / bought new items, averaged.

Usage (what scripts/bench-cold-start.sh runs):
  bench/.venv/bin/python bench/cold_start.py --shelfwise target/release/shelfwise \
      --log ../shared/data/online-retail/online_retail.csv.gz
"""
import argparse, collections, csv, datetime, gzip, math, os, re, subprocess, tempfile, time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
import numpy as np
import scipy.sparse as sp

p = argparse.ArgumentParser()
p.add_argument("--shelfwise", required=True)
p.add_argument("--log", required=True)
p.add_argument("--skip-lightfm", action="store_true")
a = p.parse_args()

rows = []
descs = collections.defaultdict(collections.Counter)
with gzip.open(a.log, "rt", newline="") as f:
    for x in csv.DictReader(f):
        if not x["CustomerID"] or float(x["Quantity"]) <= 0:
            continue
        t = datetime.datetime.fromisoformat(x["InvoiceDate"])
        rows.append((x["CustomerID"], x["StockCode"], t))
        descs[x["StockCode"]][x["Description"]] += 1
cut = max(r[2] for r in rows) - datetime.timedelta(days=60)
first = {}
for _, i, t in rows:
    first[i] = min(first.get(i, t), t)
new = sorted(i for i, t in first.items() if t >= cut)
title = {i: sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for i, d in descs.items()}
hist = collections.defaultdict(collections.Counter)
after = collections.defaultdict(set)
for c, i, t in rows:
    if t < cut:
        hist[c][i] += 1
    elif i in new:
        after[c].add(i)
users = sorted(u for u in after if hist[u])
print(f"{len(new)} new items, {len(users)} customers to rank them for")

def evaluate(name, rank):
    hits = rec = 0.0
    for u in users:
        top = rank(u)[:10]
        found = len(set(top) & after[u])
        hits += found > 0
        rec += found / len(after[u])
    print(f"| {name} | {hits / len(users):.3f} | {rec / len(users):.3f} |")

print("| method | hit-rate@10 | recall@10 |\n|---|---:|---:|")
rng = np.random.default_rng(42)
evaluate("random (seed 42)", lambda u: [new[k] for k in rng.permutation(len(new))])

# Title TF-IDF nearest neighbour: word unigrams, sublinear tf, smoothed idf, l2.
items = sorted(title)
ix = {i: k for k, i in enumerate(items)}
docs = [[w for w in re.findall(r"[a-z0-9]+", title[i].lower()) if len(w) >= 2] for i in items]
df = collections.Counter(w for d in docs for w in set(d))
vocab = {w: k for k, w in enumerate(df)}
M = sp.lil_matrix((len(items), len(vocab)), dtype=np.float32)
for r, d in enumerate(docs):
    for w, n in collections.Counter(d).items():
        M[r, vocab[w]] = (1 + math.log(n)) * (math.log((1 + len(items)) / (1 + df[w])) + 1)
M = sp.csr_matrix(M)
norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1))).ravel()
norms[norms == 0] = 1
M = sp.diags(1 / norms) @ M
C = M[[ix[i] for i in new]]
def tfidf_nn(u):
    s = (C @ M[[ix[i] for i in hist[u]]].T).toarray().max(axis=1)
    return [new[k] for k in np.argsort(-s, kind="stable")]
evaluate("title TF-IDF nearest neighbour (max cosine to the history)", tfidf_nn)

if not a.skip_lightfm:
    from lightfm import LightFM
    from lightfm.data import Dataset
    ds = Dataset()
    words = sorted(vocab)
    ds.fit(users=list(hist), items=items, item_features=words)
    inter, _ = ds.build_interactions([(u, i) for u, h in hist.items() for i in h])
    feats = ds.build_item_features([(i, [w for w in set(docs[ix[i]])]) for i in items])
    t0 = time.time()
    m = LightFM(no_components=64, loss="warp", random_state=42)
    m.fit(inter, item_features=feats, epochs=30, num_threads=2)
    umap, _, imap, _ = ds.mapping()
    newidx = np.array([imap[i] for i in new])
    def lfm(u):
        s = m.predict(umap[u], newidx, item_features=feats, num_threads=1)
        return [new[k] for k in np.argsort(-s, kind="stable")]
    evaluate(f"LightFM 1.17 WARP, identity + title words, 64 components, 30 epochs ({time.time() - t0:.0f} s)", lfm)

# shelfwise: the CLI end to end.
tmp = tempfile.mkdtemp()
with open(os.path.join(tmp, "train.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["customer", "item"])
    w.writerows((c, i) for c, i, t in rows if t < cut)
with open(os.path.join(tmp, "catalog.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "title"])
    w.writerows((i, title[i]) for i in items)
with open(os.path.join(tmp, "hist.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["customer", "item"])
    w.writerows((u, i) for u in users for i, n in hist[u].items() for _ in range(n))
with open(os.path.join(tmp, "new.txt"), "w") as f:
    f.write("\n".join(new) + "\n")
bundle = os.path.join(tmp, "m.bundle")
t0 = time.time()
subprocess.run([a.shelfwise, "train", "recs", "--input", os.path.join(tmp, "train.csv"), "--user-col", "customer",
                "--item-col", "item", "--model", "als", "--catalog", os.path.join(tmp, "catalog.csv"),
                "--catalog-title-col", "title", "--out", bundle], check=True, capture_output=True)
train_s = time.time() - t0
out = subprocess.run([a.shelfwise, "recommend", "--model", bundle, "--histories", os.path.join(tmp, "hist.csv"),
                      "--user-col", "customer", "--item-col", "item", "--k", "10", "--include-only",
                      os.path.join(tmp, "new.txt")], check=True, capture_output=True, text=True).stdout
ranked = collections.defaultdict(list)
for r in list(csv.reader(out.splitlines()))[1:]:
    ranked[r[0]].append(r[1])
evaluate(f"shelfwise: ALS defaults + new items placed by 100 title look-alikes ({train_s:.0f} s)", lambda u: ranked[u])
