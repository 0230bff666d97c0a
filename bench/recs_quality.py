#!/usr/bin/env python3
"""Recommendation quality side by side, one split, one run: shelfwise's `auto` and each of its
families (at the best setting auto's own search found, validated inside the training data),
beside implicit's ALS and BPR and LightFM's WARP (each tuned by a grid on the *test* split, the
most favourable setting a reference can get).

Usage (what scripts/bench-recs-quality.sh runs):
  bench/.venv/bin/python bench/recs_quality.py --shelfwise target/release/shelfwise \
      --ratings ../shared/data/ml-latest-small/ratings.csv --user-col userId --item-col movieId

Interactions are binarised (a (user, item) pair counts once), split at random 80/20 per pair with
seed 42 and written to two CSV files; shelfwise reads them with `eval recs --test-input`.
precision@10 = hits / 10 averaged over test users with a training history (training items
excluded); NDCG@10 with the ideal over min(10, |test items|); coverage = distinct recommended
items / items in training. shelfwise folds each user in from their history, as the browser does.
"""
import argparse, csv, gzip, itertools, json, os, random, subprocess, sys, tempfile, time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
import numpy as np
import scipy.sparse as sp

p = argparse.ArgumentParser()
p.add_argument("--shelfwise", required=True)
p.add_argument("--ratings", required=True)
p.add_argument("--user-col", default="userId")
p.add_argument("--item-col", default="movieId")
p.add_argument("--budget", default="60s")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--skip-lightfm", action="store_true")
a = p.parse_args()

opener = gzip.open if a.ratings.endswith(".gz") else open
pairs = set()
with opener(a.ratings, "rt", encoding="utf-8", errors="replace", newline="") as f:
    for row in csv.DictReader(f):
        u, i = (row.get(a.user_col) or "").strip(), (row.get(a.item_col) or "").strip()
        if u and i:
            pairs.add((u, i))
pairs = sorted(pairs)
rng = random.Random(42)
train, test = [], []
for pr in pairs:
    (test if rng.random() < 0.2 else train).append(pr)
tmp = tempfile.mkdtemp()
for name, rows in (("train", train), ("test", test)):
    with open(os.path.join(tmp, name + ".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user", "item"])
        w.writerows(rows)
users = sorted({u for u, _ in train})
items = sorted({i for _, i in train})
uix = {u: k for k, u in enumerate(users)}
iix = {i: k for k, i in enumerate(items)}
X = sp.csr_matrix((np.ones(len(train), dtype=np.float32), ([uix[u] for u, _ in train], [iix[i] for _, i in train])),
                  shape=(len(users), len(items)))
truth = {}
for u, i in test:
    if u in uix:
        truth.setdefault(uix[u], set()).add(i)
eval_users = sorted(truth)
print(f"{a.ratings}: {len(users)} users x {len(items)} items, {len(train)} train / {len(test)} test pairs, "
      f"{len(eval_users)} test users", file=sys.stderr)


def score(topk):
    """topk: user index -> list of item ids. Returns precision, ndcg, coverage."""
    prec, ndcg, seen = 0.0, 0.0, set()
    for u in eval_users:
        rel, rec = truth[u], topk[u]
        hits = [1 if r in rel else 0 for r in rec[:10]]
        prec += sum(hits) / 10
        dcg = sum(h / np.log2(k + 2) for k, h in enumerate(hits))
        idcg = sum(1 / np.log2(k + 2) for k in range(min(10, len(rel))))
        ndcg += dcg / idcg
        seen.update(rec[:10])
    n = len(eval_users)
    return prec / n, ndcg / n, len(seen) / len(items)


def top10(scores_fn):
    out = {}
    for u in eval_users:
        s = np.asarray(scores_fn(u), dtype=np.float64).copy()
        s[X.indices[X.indptr[u]:X.indptr[u + 1]]] = -np.inf
        best = np.argpartition(-s, 10)[:10]
        out[u] = [items[j] for j in best[np.argsort(-s[best])]]
    return out


def shelfwise(args):
    cmd = [a.shelfwise, "eval", "recs", "--input", os.path.join(tmp, "train.csv"), "--test-input",
           os.path.join(tmp, "test.csv"), "--user-col", "user", "--item-col", "item", "--json", "--threads",
           str(a.threads)] + args
    t = time.time()
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    m = out["metrics"]
    return (m["precision@10"], m["ndcg@10"], m["coverage"]), time.time() - t, out


rows = []
res, secs, auto = shelfwise(["--model", "auto", "--budget", a.budget])
log = auto["search"]
w = log["trials"][log["winner"]]
chosen = " ".join(f"{k}={v:g}" for k, v in w["params"].items())
rows.append(("shelfwise auto", f"{a.budget} budget, chose {w['family']} {chosen}", res, secs))
flag = {"als": {"factors": "--factors", "regularization": "--regularization", "alpha": "--alpha"},
        "svd": {"factors": "--factors"}, "ease": {"lambda": "--lambda", "neighbors": "--neighbors"},
        "rp3": {"alpha": "--rp3-alpha", "beta": "--beta", "neighbors": "--neighbors"}}
for fam, names in flag.items():
    full = [t for t in log["trials"] if t["family"] == fam and t["fidelity"] == "full"]
    # ALS configurations that were only ranked at low fidelity are run here with all iterations.
    full = full or [t for t in log["trials"] if t["family"] == fam and t["fidelity"] == "low"]
    if not full:
        continue
    best = max(full, key=lambda t: t["ndcg"])
    args = ["--model", fam]
    for k, f in names.items():
        args += [f, repr(best["params"][k]) if k not in ("factors", "neighbors") else str(int(best["params"][k]))]
    if fam == "als":  # the search records the scaling's code: 0 linear, 1 log, 2 BM25
        args += ["--scaling", ["linear", "log", "bm25"][int(best["params"].get("scaling", 0))]]
        if "bm25_b" in best["params"]:
            args += ["--bm25-b", repr(best["params"]["bm25_b"])]
    if best.get("storage") in ("f16", "int8"):
        args += ["--quantize", best["storage"]]
    res, secs, _ = shelfwise(args)
    rows.append((f"shelfwise {fam}", " ".join(args[2:]), res, secs))
# The best blend the search validated, when its halves are ALS and EASE (what --model blend trains).
blends = [t for t in log["trials"] if t["family"] == "blend" and t["fidelity"] == "full"
          and "als.factors" in t["params"] and "ease.lambda" in t["params"]]
if blends:
    best = max(blends, key=lambda t: t["ndcg"])
    q = best["params"]
    args = ["--model", "blend", "--blend-weight", repr(q["weight"]), "--lambda", repr(q["ease.lambda"]),
            "--neighbors", str(int(q["ease.neighbors"]))]
    for k in ("factors", "regularization", "alpha"):
        args += ["--" + k, repr(q["als." + k]) if k != "factors" else str(int(q["als.factors"]))]
    args += ["--scaling", ["linear", "log", "bm25"][int(q.get("als.scaling", 0))]]
    if "als.bm25_b" in q:
        args += ["--bm25-b", repr(q["als.bm25_b"])]
    if best.get("storage") in ("f16", "int8"):
        args += ["--quantize", best["storage"]]
    res, secs, _ = shelfwise(args)
    rows.append(("shelfwise blend", " ".join(args[2:]), res, secs))

from implicit.cpu.als import AlternatingLeastSquares  # noqa: E402
from implicit.cpu.bpr import BayesianPersonalizedRanking  # noqa: E402


def implicit_grid(name, make, grid):
    best = None
    for params in grid:
        t = time.time()
        m = make(**params)
        m.fit(X, show_progress=False)
        res = score(top10(lambda u: m.item_factors @ m.user_factors[u]))
        secs = time.time() - t
        print(f"  {name} {params}: {res[0]:.4f}", file=sys.stderr)
        if best is None or res[1] > best[2][1]:
            best = (name, " ".join(f"{k}={v}" for k, v in params.items()), res, secs)
    rows.append(best)


implicit_grid("implicit ALS", lambda **k: AlternatingLeastSquares(iterations=15, num_threads=a.threads,
                                                                   random_state=42, **k),
              [dict(factors=f, regularization=r, alpha=al) for f, r, al in
               itertools.product([32, 64, 128], [0.01, 0.1, 1.0, 10.0], [1.0, 2.0, 5.0, 10.0])])
implicit_grid("implicit BPR", lambda **k: BayesianPersonalizedRanking(iterations=100, num_threads=a.threads,
                                                                      random_state=42, **k),
              [dict(factors=f, learning_rate=lr, regularization=r) for f, lr, r in
               itertools.product([64, 128], [0.01, 0.05], [0.001, 0.01])])
if not a.skip_lightfm:
    from lightfm import LightFM  # noqa: E402
    best = None
    for comps, lr in itertools.product([32, 64, 128], [0.02, 0.05]):
        t = time.time()
        m = LightFM(no_components=comps, loss="warp", learning_rate=lr, random_state=42)
        m.fit(X.tocoo(), epochs=30, num_threads=a.threads)
        all_items = np.arange(len(items), dtype=np.int32)
        res = score(top10(lambda u: m.predict(int(u), all_items, num_threads=1)))
        secs = time.time() - t
        print(f"  LightFM WARP {comps} {lr}: {res[0]:.4f}", file=sys.stderr)
        if best is None or res[1] > best[2][1]:
            best = ("LightFM WARP", f"components={comps} learning_rate={lr} epochs=30", res, secs)
    rows.append(best)

print("| library | setting | precision@10 | NDCG@10 | coverage | time (s) |")
print("|---|---|---:|---:|---:|---:|")
for name, setting, (pr, nd, cov), secs in rows:
    print(f"| {name} | {setting} | {pr:.4f} | {nd:.4f} | {cov * 100:.1f} % | {secs:.1f} |")
