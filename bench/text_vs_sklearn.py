#!/usr/bin/env python3
"""Text classification: shelfwise `train text` beside scikit-learn on the same split.

Task (../shared/data/SOURCES.md): amazon-toys product_name → first segment of the category path,
rows with a category, labels with at least 100 rows (13 classes), stratified 75/25, seed 42.
The data is for local evaluation only: the prepared CSV and splits go to a temporary directory.

Both libraries train and are scored on the same rows, twice: on scikit-learn's
`train_test_split(test_size=0.25, stratify=labels, random_state=42)` (the reference split; shelfwise
reads it with `--input train.csv --test test.csv`), and on shelfwise's own stratified seed-42 split
(written by `--train-out/--test-out`). scikit-learn is `TfidfVectorizer(ngram_range=(1,2),
sublinear_tf=True)` + `LogisticRegression(C=10)` with its defaults (lbfgs, max_iter=100).
Fit times are wall-clock seconds (shelfwise: TF-IDF + L-BFGS as printed; sklearn: vectoriser
fit_transform + classifier fit).

Usage: bench/.venv/bin/python bench/text_vs_sklearn.py --shelfwise target/release/shelfwise \
           --input ../shared/data/amazon-toys/amazon_co-ecommerce_sample.csv
"""
import argparse, collections, csv, json, os, subprocess, tempfile, time, warnings

os.environ.setdefault("OMP_NUM_THREADS", "2")
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.exceptions import ConvergenceWarning

# scikit-learn stops at its default max_iter=100 here (the iterations column shows it).
warnings.filterwarnings("ignore", category=ConvergenceWarning)

p = argparse.ArgumentParser()
p.add_argument("--shelfwise", required=True)
p.add_argument("--input", required=True)
p.add_argument("--extra", default="", help="extra shelfwise train text arguments")
a = p.parse_args()
tmp = tempfile.mkdtemp(prefix="shelfwise-text-bench-")

rows = []
with open(a.input, newline="", encoding="utf-8") as f:
    for r in csv.reader(f):
        if len(r) > 2 and r[2].strip():
            rows.append((r[1], r[2].split(" > ")[0].strip()))
counts = collections.Counter(l for _, l in rows)
rows = [(t, l) for t, l in rows if counts[l] >= 100]
data = os.path.join(tmp, "toys.csv")
with open(data, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["text", "label"])
    w.writerows(rows)
print(f"{len(rows)} rows, {len(set(l for _, l in rows))} labels")

def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = list(csv.DictReader(f))
    return [x["text"] for x in r], [x["label"] for x in r]

def write(path, xs, ys):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(xs, ys))

def shelfwise(args):
    out = subprocess.run([a.shelfwise, "train", "text", "--text-col", "text", "--label-col", "label", "--json",
                          "--out", os.path.join(tmp, "toys.bundle"), *args, *a.extra.split()],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

def sklearn(xtr, ytr, xte, yte, class_weight=None):
    t = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    X = vec.fit_transform(xtr)
    clf = LogisticRegression(C=10, class_weight=class_weight).fit(X, ytr)
    secs = time.perf_counter() - t
    pred = clf.predict(vec.transform(xte))
    return {"fit_seconds": secs, "accuracy": accuracy_score(yte, pred), "macro_f1": f1_score(yte, pred, average="macro"),
            "terms": X.shape[1], "iterations": int(clf.n_iter_.max())}

# Split A: scikit-learn's train_test_split(stratify, random_state=42) — the reference task's split.
texts, labels = [t for t, _ in rows], [l for _, l in rows]
a_tr, a_te, b_tr, b_te = train_test_split(texts, labels, test_size=0.25, stratify=labels, random_state=42)
write(os.path.join(tmp, "sk-train.csv"), a_tr, b_tr)
write(os.path.join(tmp, "sk-test.csv"), a_te, b_te)
sk_train = ["--input", os.path.join(tmp, "sk-train.csv"), "--test", os.path.join(tmp, "sk-test.csv")]
results = []
def both(split, sw_args, xtr, ytr, xte, yte):
    results.append((split, "shelfwise (default: balanced)", shelfwise(sw_args)))
    results.append((split, "shelfwise --class-weight none", shelfwise(sw_args + ["--class-weight", "none"])))
    results.append((split, "scikit-learn (reference settings)", sklearn(xtr, ytr, xte, yte)))
    results.append((split, "scikit-learn class_weight=balanced", sklearn(xtr, ytr, xte, yte, "balanced")))
both("scikit-learn's (reference)", sk_train, a_tr, b_tr, a_te, b_te)
# Split B: shelfwise's own stratified split (seed 42), both halves written by `--train-out/--test-out`.
own = ["--input", data, "--train-out", os.path.join(tmp, "train.csv"), "--test-out", os.path.join(tmp, "test.csv")]
shelfwise(own + ["--max-iter", "1"])  # only to write the split
xtr, ytr = read(os.path.join(tmp, "train.csv"))
xte, yte = read(os.path.join(tmp, "test.csv"))
both("shelfwise's", own, xtr, ytr, xte, yte)

print("| split | library | terms | iterations | fit (s) | accuracy | macro-F1 |")
print("|---|---|---:|---:|---:|---:|---:|")
for split, lib, r in results:
    print(f"| {split} | {lib} | {r['terms']} | {r['iterations']} | {r['fit_seconds']:.2f} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} |")
