#!/usr/bin/env python3
"""ALS fit time and precision@10: shelfwise beside the Python `implicit` library, one run,
same split, same factors / iterations / threads.

Usage (what scripts/bench-als.sh runs):
  bench/.venv/bin/python bench/als_vs_implicit.py --shelfwise target/release/shelfwise \
      --ratings ../shared/data/ml-latest-small/ratings.csv --threads 2 --factors 64 --iterations 15

The split (random 80/20 per interaction, seed 42) is written to two CSV files; shelfwise reads
them with `eval recs --test-input`, implicit gets the same rows as a CSR matrix. Both rank every
test user's top 10 with training items excluded; precision@10 = hits / 10 averaged over users
(shelfwise folds each user in from their history, as the browser does; implicit uses its
trained user factors).
"""
import argparse, csv, json, os, subprocess, sys, tempfile, time

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # implicit's advice; its own threads do the work
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np
import scipy.sparse as sp

p = argparse.ArgumentParser()
p.add_argument("--shelfwise", required=True)
p.add_argument("--ratings", required=True)
p.add_argument("--user-col", default="userId")
p.add_argument("--item-col", default="movieId")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--factors", type=int, default=64)
p.add_argument("--iterations", type=int, default=15)
p.add_argument("--regularization", type=float, default=0.05)
p.add_argument("--alpha", type=float, default=2.0)
p.add_argument("--sw-regularization", type=float, default=50.0)
p.add_argument("--sw-alpha", type=float, default=10.0)
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--grid", action="store_true", help="first tune implicit's reg/alpha on the same split, report its best")
a = p.parse_args()
from implicit.cpu.als import AlternatingLeastSquares  # noqa: E402
import implicit  # noqa: E402

pairs = {}
with open(a.ratings, newline="") as f:
    for r in csv.DictReader(f):
        pairs[(r[a.user_col], r[a.item_col])] = 1.0
keys = list(pairs)
rng = np.random.default_rng(42)
test_mask = rng.random(len(keys)) < 0.2
tmp = tempfile.mkdtemp(prefix="shelfwise-bench-")
for name, mask in (("train", ~test_mask), ("test", test_mask)):
    with open(os.path.join(tmp, f"{name}.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user", "item"])
        for (u, i), m in zip(keys, mask):
            if m:
                w.writerow([u, i])

users = {u: n for n, u in enumerate(sorted({u for u, _ in keys}))}
items = {i: n for n, i in enumerate(sorted({i for _, i in keys}))}
train = [(users[u], items[i]) for (u, i), m in zip(keys, test_mask) if not m]
test = {}
for (u, i), m in zip(keys, test_mask):
    if m:
        test.setdefault(users[u], set()).add(items[i])
rows, cols = zip(*train)
ui = sp.csr_matrix((np.ones(len(train), dtype=np.float32), (rows, cols)), shape=(len(users), len(items)))

def implicit_run(reg=None, alpha=None):
    m = AlternatingLeastSquares(factors=a.factors, iterations=a.iterations, regularization=reg or a.regularization,
                                alpha=alpha or a.alpha, num_threads=a.threads, random_state=42,
                                calculate_training_loss=False)
    t = time.perf_counter()
    m.fit(ui, show_progress=False)
    fit = time.perf_counter() - t
    evaluated = [u for u in test if ui[u].nnz > 0]
    ids, _ = m.recommend(np.array(evaluated), ui[evaluated], N=10, filter_already_liked_items=True)
    prec = np.mean([len(set(r) & test[u]) / 10 for u, r in zip(evaluated, ids)])
    return fit, prec

def shelfwise_run():
    out = subprocess.run([a.shelfwise, "eval", "recs", "--input", os.path.join(tmp, "train.csv"),
                          "--test-input", os.path.join(tmp, "test.csv"), "--user-col", "user", "--item-col", "item",
                          "--model", "als", "--factors", str(a.factors), "--iterations", str(a.iterations),
                          "--regularization", str(a.sw_regularization), "--alpha", str(a.sw_alpha),
                          "--threads", str(a.threads), "--json"], check=True, capture_output=True, text=True)
    j = json.loads(out.stdout)
    return j["fit_seconds"], j["metrics"]["precision@10"]

if a.grid:
    best = None
    for reg in (0.01, 0.1, 1.0, 10.0, 50.0):
        for alpha in (1.0, 5.0, 20.0):
            prec = implicit_run(reg, alpha)[1]
            print(f"implicit grid: reg={reg} alpha={alpha} precision@10={prec:.4f}", file=sys.stderr)
            if best is None or prec > best[0]:
                best = (prec, reg, alpha)
    a.regularization, a.alpha = best[1], best[2]

res = {"implicit": [], "shelfwise": []}
for _ in range(a.repeats):
    res["implicit"].append(implicit_run())
    res["shelfwise"].append(shelfwise_run())
print(f"data: {a.ratings} ({len(users)} users, {len(items)} items, {len(train)} train / {int(test_mask.sum())} test interactions)")
print(f"factors={a.factors} iterations={a.iterations} threads={a.threads}; median of {a.repeats} fits; implicit {implicit.__version__}")
print(f"| library | params | fit time, median (min–max) s | precision@10 |")
print(f"|---|---|---:|---:|")
for name, params in (("implicit", f"reg={a.regularization}, alpha={a.alpha}"), ("shelfwise", f"reg={a.sw_regularization}, alpha={a.sw_alpha}")):
    fits = sorted(r[0] for r in res[name])
    print(f"| {name} | {params} | {fits[len(fits) // 2]:.3f} ({fits[0]:.3f}–{fits[-1]:.3f}) | {res[name][0][1]:.4f} |")
ratio = sorted(r[0] for r in res["shelfwise"])[a.repeats // 2] / sorted(r[0] for r in res["implicit"])[a.repeats // 2]
print(f"shelfwise / implicit fit time: {ratio:.2f}x")
