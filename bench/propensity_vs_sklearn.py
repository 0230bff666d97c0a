#!/usr/bin/env python3
"""Propensity: shelfwise's four families beside scikit-learn and LightGBM on one split.

shelfwise makes the stratified 75/25 split (seed 42) and writes the held-out rows
(`train propensity --test-out`); the Python side trains on the remaining rows (the multiset
difference of the full file and the test rows, exact even with duplicate rows) and scores the
same test rows. Fit times are wall-clock seconds of the fit call on encoded rows (shelfwise: the
CLI's `fit_seconds`; the schema fitting and encoding before it, which the Python side does with
numpy outside its timer, is `prepare_seconds`, printed in its own column), the median of --repeat
fits on both sides (the MLPs: one fit), since one fit of a fraction of a second moves by ±30 % on
a shared machine.

Usage: bench/.venv/bin/python bench/propensity_vs_sklearn.py --shelfwise target/release/shelfwise \
           --input ../shared/data/online-shoppers-intention/online_shoppers_intention.csv
"""
import argparse, collections, csv, json, os, re, subprocess, tempfile, time

os.environ.setdefault("OMP_NUM_THREADS", "2")
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

p = argparse.ArgumentParser()
p.add_argument("--shelfwise", required=True)
p.add_argument("--input", required=True)
p.add_argument("--target", default="Revenue")
p.add_argument("--repeat", type=int, default=5)
a = p.parse_args()
tmp = tempfile.mkdtemp(prefix="shelfwise-prop-bench-")

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]

def shelfwise(model):
    runs = [shelfwise_once(model) for _ in range(1 if model == "mlp" else a.repeat)]
    return median([r[0] for r in runs]), median([r[1] for r in runs]), runs[0][2]

def shelfwise_once(model):
    out = subprocess.run([a.shelfwise, "train", "propensity", "--input", a.input, "--target", a.target, "--model", model,
                          "--seed", "42", "--out", os.path.join(tmp, f"{model}.bundle"), "--test-out", os.path.join(tmp, "test.csv"),
                          "--json"], check=True, capture_output=True, text=True).stdout
    d = json.loads(out)
    return d["fit_seconds"], d["prepare_seconds"], d["test"]["roc_auc"]

results = {m: shelfwise(m) for m in ("logistic", "gbt", "forest", "mlp")}

with open(a.input, newline="") as f:
    rows = list(csv.reader(f))
header, full = rows[0], rows[1:]
with open(os.path.join(tmp, "test.csv"), newline="") as f:
    test = list(csv.reader(f))[1:]
remaining = collections.Counter(tuple(r) for r in full)
remaining.subtract(tuple(r) for r in test)
train = [list(r) for r, c in remaining.items() for _ in range(c)]
assert len(train) + len(test) == len(full)

ti = header.index(a.target)
def is_number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False

cat = [i for i, h in enumerate(header) if i != ti and any(not is_number(r[i]) and r[i] not in ("TRUE", "FALSE") for r in full)]
levels = {i: sorted({r[i] for r in train}) for i in cat}

def encode(rs):
    X = []
    for r in rs:
        x = []
        for i, v in enumerate(r):
            if i == ti:
                continue
            if i in cat:
                x.extend(1.0 if v == l else 0.0 for l in levels[i])
            else:
                x.append(1.0 if v == "TRUE" else 0.0 if v == "FALSE" else float(v))
        X.append(x)
    return np.array(X), np.array([r[ti] == "TRUE" for r in rs])

Xtr, ytr = encode(train)
Xte, yte = encode(test)
scaler = StandardScaler().fit(Xtr)
Xtr_s, Xte_s = scaler.transform(Xtr), scaler.transform(Xte)

def fit(name, model, scaled=False, repeat=None):
    times = []
    for _ in range(repeat or a.repeat):
        t = time.perf_counter()
        model.fit(Xtr_s if scaled else Xtr, ytr)
        times.append(time.perf_counter() - t)
    fit_s = median(times)
    auc = roc_auc_score(yte, model.predict_proba(Xte_s if scaled else Xte)[:, 1])
    return name, fit_s, auc

py = [
    fit("scikit-learn LogisticRegression", LogisticRegression(max_iter=2000), scaled=True),
    fit("scikit-learn HistGradientBoosting", HistGradientBoostingClassifier(random_state=42)),
    None,
    fit("scikit-learn RandomForest", RandomForestClassifier(random_state=42, n_jobs=2)),
    fit("scikit-learn MLP(64, 32)", MLPClassifier((64, 32), random_state=42, max_iter=500), scaled=True, repeat=1),
]
# Imported last: LightGBM's OpenMP runtime slows scikit-learn's fits when loaded first.
import lightgbm  # noqa: E402
py[2] = fit("LightGBM", lightgbm.LGBMClassifier(random_state=42, verbose=-1, n_jobs=2))
# The same on one thread: how much of LightGBM's time the second core saves.
py.append(fit("LightGBM, 1 thread", lightgbm.LGBMClassifier(random_state=42, verbose=-1, n_jobs=1)))
print(f"data: {a.input}: {len(train)} train / {len(test)} test rows (stratified 75/25, seed 42), 2 cores, median of {a.repeat} fits")
print("| family | shelfwise fit (s) | shelfwise encoding (s) | shelfwise AUC | reference | reference fit (s) | reference AUC |")
print("|---|---:|---:|---:|---|---:|---:|")
pairs = [("logistic", 0), ("gbt", 1), ("gbt", 2), ("gbt", 5), ("forest", 3), ("mlp", 4)]
for fam, j in pairs:
    t, prep, auc = results[fam]
    name, pt, pauc = py[j]
    print(f"| {fam} | {t:.3f} | {prep:.3f} | {auc:.4f} | {name} | {pt:.3f} | {pauc:.4f} |")
