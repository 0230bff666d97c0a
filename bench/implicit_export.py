"""Trains the Python implicit library's ALS and writes what `shelfwise import implicit` reads,
with implicit's own answers beside it, for tests/implicit.rs to compare:

  train.csv        user,item,weight   the log implicit trained on (the shop's string ids)
  test.csv         user,item          held-out rows (a seeded 80/20 split of the pairs)
  model.npz        model.save(...)    item factors, regularization, alpha
  item_ids.csv     index,item         the shop's id of each factor row
  users.csv        user               the training users, in the row order of the two below
  recalculated.npy                    implicit's recalculate_user of each training user's row
  trained.npy                         implicit's user_factors after fit
  recs.csv         user,item          recommend(recalculate_user=True, N=10), history filtered
  metrics.json     precision@10 of implicit's recommend (trained factors) on test.csv
  bpr.npz          (synthetic log only) a small BPR model, which the import must refuse

Without --ratings the log is a small synthetic one (ours, committed as
tests/fixtures/implicit/); with --ratings (MovieLens ratings.csv layout) every rating is an
interaction of weight 1.
"""

import argparse
import json
import os

import numpy as np
import scipy.sparse as sp

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import implicit  # noqa: E402


def synthetic(rng):
    """250 users of 2 tastes each among 8 groups of items; weights are counts 1-3."""
    n_users, n_items, groups = 250, 100, 8
    item_group = rng.integers(0, groups, n_items)
    rows = []
    for u in range(n_users):
        tastes = rng.choice(groups, 2, replace=False)
        liked = np.flatnonzero(np.isin(item_group, tastes))
        picks = set(rng.choice(liked, min(len(liked), int(rng.integers(6, 14))), replace=False))
        picks |= set(rng.choice(n_items, 2, replace=False))
        for i in sorted(picks):
            rows.append((f"u{u:03d}", f"sku-{(i * 37) % 1000:04d}", float(rng.integers(1, 4))))
    return rows


def movielens(path):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            u, i, _r, _t = line.rstrip("\n").split(",")
            rows.append((u, i, 1.0))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--ratings")
    ap.add_argument("--factors", type=int, default=16)
    ap.add_argument("--regularization", type=float, default=0.05)
    ap.add_argument("--alpha", type=float, default=2.0)
    ap.add_argument("--iterations", type=int, default=30)
    args = ap.parse_args()
    rng = np.random.default_rng(42)
    rows = movielens(args.ratings) if args.ratings else synthetic(rng)
    order = rng.permutation(len(rows))
    cut = int(0.8 * len(rows))
    train = [rows[k] for k in sorted(order[:cut])]
    test = [rows[k] for k in sorted(order[cut:])]

    users = sorted({r[0] for r in train})
    items = sorted({r[1] for r in train})
    uix = {u: k for k, u in enumerate(users)}
    iix = {i: k for k, i in enumerate(items)}
    x = sp.csr_matrix(
        ([r[2] for r in train], ([uix[r[0]] for r in train], [iix[r[1]] for r in train])),
        shape=(len(users), len(items)),
        dtype=np.float32,
    )
    model = implicit.cpu.als.AlternatingLeastSquares(
        factors=args.factors,
        regularization=args.regularization,
        alpha=args.alpha,
        iterations=args.iterations,
        random_state=7,
    )
    model.fit(x, show_progress=False)

    os.makedirs(args.out, exist_ok=True)
    out = lambda name: os.path.join(args.out, name)  # noqa: E731
    model.save(out("model.npz"))
    with open(out("train.csv"), "w") as f:
        f.write("user,item,weight\n")
        f.writelines(f"{u},{i},{w:g}\n" for u, i, w in train)
    with open(out("test.csv"), "w") as f:
        f.write("user,item\n")
        f.writelines(f"{u},{i}\n" for u, i, _ in test if u in uix)
    with open(out("item_ids.csv"), "w") as f:
        f.write("index,item\n")
        f.writelines(f"{k},{i}\n" for k, i in enumerate(items))

    everyone = np.arange(len(users))
    with open(out("users.csv"), "w") as f:
        f.write("user\n")
        f.writelines(f"{u}\n" for u in users)
    np.save(out("recalculated.npy"), model.recalculate_user(everyone, x))
    np.save(out("trained.npy"), model.user_factors)

    ids, _ = model.recommend(everyone, x, N=10, recalculate_user=True, filter_already_liked_items=True)
    with open(out("recs.csv"), "w") as f:
        f.write("user,item\n")
        f.writelines(f"{users[u]},{items[i]}\n" for u in everyone for i in ids[u])

    held = {}
    for u, i, _ in test:
        if u in uix:
            held.setdefault(u, set()).add(i)
    test_users = sorted(held)
    rows_of = np.array([uix[u] for u in test_users])
    ids, _ = model.recommend(rows_of, x[rows_of], N=10, filter_already_liked_items=True)
    hits = sum(len(held[u] & {items[i] for i in ids[k]}) for k, u in enumerate(test_users))
    metrics = {
        "implicit": implicit.__version__,
        "users": len(users),
        "items": len(items),
        "test_users": len(test_users),
        "precision_at_10": hits / (10 * len(test_users)),
        "factors": args.factors,
        "regularization": args.regularization,
        "alpha": args.alpha,
        "iterations": args.iterations,
    }
    if not args.ratings:
        bpr = implicit.cpu.bpr.BayesianPersonalizedRanking(factors=4, iterations=2, random_state=7)
        bpr.fit(x, show_progress=False)
        bpr.save(out("bpr.npz"))
    with open(out("metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
