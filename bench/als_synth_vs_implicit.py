#!/usr/bin/env python3
"""ALS at scale, time and memory only: shelfwise beside implicit on one synthetic power-law log
(examples/synth_log.rs; the same pairs as CSV for shelfwise and as u32 pairs for numpy).

Same factors, iterations, conjugate-gradient steps (3) and threads. shelfwise's figure is the
training step as its CLI reports it (after reading the CSV: id compaction, popularity, ALS);
implicit's is `fit` on a ready CSR matrix. Peak memory is each process's maximum resident set,
so it includes reading the data (shelfwise parses CSV text and interns 1M user ids; implicit
gets integer arrays).

Usage (what scripts/bench-als-synth.sh runs):
  bench/.venv/bin/python bench/als_synth_vs_implicit.py --shelfwise target/release/shelfwise \
      --csv synth.csv --pairs synth.u32 --threads 2 --factors 64 --iterations 15
"""
import argparse, json, os, re, resource, subprocess, sys, time

p = argparse.ArgumentParser()
p.add_argument("--shelfwise", required=True)
p.add_argument("--csv", required=True)
p.add_argument("--pairs", required=True)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--factors", type=int, default=64)
p.add_argument("--iterations", type=int, default=15)
p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
a = p.parse_args()

if a.child:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import numpy as np
    import scipy.sparse as sp
    from implicit.cpu.als import AlternatingLeastSquares
    t = time.perf_counter()
    pairs = np.fromfile(a.pairs, dtype="<u4").reshape(-1, 2)
    ui = sp.csr_matrix((np.ones(len(pairs), dtype=np.float32), (pairs[:, 0], pairs[:, 1])))
    ui.sum_duplicates()
    ui.data[:] = 1.0  # binary, as shelfwise without a weight column
    del pairs
    load = time.perf_counter() - t
    m = AlternatingLeastSquares(factors=a.factors, iterations=a.iterations, regularization=0.05, alpha=2.0,
                                num_threads=a.threads, random_state=42, calculate_training_loss=False)
    t = time.perf_counter()
    m.fit(ui, show_progress=False)
    fit = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load": load, "fit": fit, "peak_mb": peak, "users": ui.shape[0], "items": ui.shape[1], "nnz": int(ui.nnz)}))
    sys.exit(0)

out = subprocess.run([sys.executable, __file__, "--child", *sys.argv[1:]], check=True, capture_output=True, text=True)
imp = json.loads(out.stdout.strip().splitlines()[-1])

bundle = os.path.join(os.path.dirname(os.path.abspath(a.csv)), "synth-als.bundle")
t = time.perf_counter()
run = subprocess.run(["/usr/bin/time", "-f", "PEAK_KB %M", a.shelfwise, "train", "recs", "--input", a.csv,
                      "--user-col", "user", "--item-col", "item", "--model", "als", "--factors", str(a.factors),
                      "--iterations", str(a.iterations), "--threads", str(a.threads), "--out", bundle],
                     check=True, capture_output=True, text=True)
wall = time.perf_counter() - t
err = run.stderr
fit = re.search(r"trained als on \d+ items in ([0-9.]+)(ms|s)", err)
fit_s = float(fit.group(1)) / (1000 if fit.group(2) == "ms" else 1)
peak_mb = int(re.search(r"PEAK_KB (\d+)", err).group(1)) / 1024
import implicit  # noqa: E402  (version only)
print(f"data: {imp['users']} users × {imp['items']} items, {imp['nnz']} distinct pairs; factors={a.factors} "
      f"iterations={a.iterations} threads={a.threads}; implicit {implicit.__version__}")
print("| library | read data (s) | ALS fit (s) | peak memory (MB) |")
print("|---|---:|---:|---:|")
print(f"| implicit (CSR from u32 pairs) | {imp['load']:.1f} | {imp['fit']:.1f} | {imp['peak_mb']:.0f} |")
print(f"| shelfwise (CSV text) | {wall - fit_s:.1f} | {fit_s:.1f} | {peak_mb:.0f} |")
print(f"shelfwise / implicit fit time: {fit_s / imp['fit']:.2f}x")
