#!/usr/bin/env python3
"""Anomaly detection on the ADBench protocol: sae beside Isolation Forest.

Run from the repository root (bench/adbench/run.sh builds the command first):

    /usr/bin/python3 bench/adbench/run.py --sae /tmp/sae [--data-dir DIR]
        [--repeat N] [--sae-flags "..."] [--json-out F] [--threads N]

Protocol (../shared/data/README.md), applied to every *.npz (arrays X, y with
1 = anomaly) in the data directory:

  * numpy's global generator is seeded with 1 (np.random.seed(1));
  * fewer than 1000 rows: draw 1000 row indices with replacement
    (np.random.choice(n, 1000, replace=True)); more than 10000 rows: draw 10000
    without replacement (np.random.choice(n, 10000, replace=False));
    otherwise the rows are used as they are;
  * stratified 70/30 split: sklearn.model_selection.train_test_split(X, y,
    test_size=0.3, stratify=y, random_state=1);
  * both detectors are fitted on the train part without its labels (the
    anomalies stay in it) and scored on the test part; the figure is ROC AUC
    (sklearn.metrics.roc_auc_score) of the test scores.

No scaling is applied by this script: each detector sees the raw X (sae's own
scaling is whatever its flags select; by default none).

The split is always the seed-1 split of the protocol. With --repeat N the
detectors are run N times with model seeds 1..N (IsolationForest random_state
and sae --seed) on that same split, and the median AUC (and median sae train
time) is reported.

Detectors:
  * Isolation Forest: sklearn.ensemble.IsolationForest(n_estimators=100,
    random_state=seed), fitted on the train rows; score = -score_samples(test).
  * sae: train/test written as float32 .npy; `sae train --data train.npy
    --out model --seed S --json <--sae-flags>` then `sae score --model model
    --data test.npy --labels test_labels.npy --out scores.npy --json`; the
    AUC is computed by sklearn from scores.npy and checked against the
    command's own `auroc`.
"""

import argparse
import glob
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import RobustScaler

PROTOCOL_SEED = 1
MIN_ROWS = 1000
MAX_ROWS = 10000


def load_split(path):
    """Applies the protocol to one .npz and returns (Xtr, Xte, ytr, yte, info)."""
    with np.load(path) as z:
        X = np.asarray(z["X"], dtype=np.float64)
        y = np.asarray(z["y"]).astype(np.int64).ravel()
    n, d = X.shape
    info = {"rows": int(n), "features": int(d), "anomaly_pct": 100.0 * float(y.mean())}
    np.random.seed(PROTOCOL_SEED)
    if n < MIN_ROWS:
        idx = np.random.choice(np.arange(n), MIN_ROWS, replace=True)
        X, y = X[idx], y[idx]
        info["resampled"] = "%d drawn with replacement" % MIN_ROWS
    elif n > MAX_ROWS:
        idx = np.random.choice(np.arange(n), MAX_ROWS, replace=False)
        X, y = X[idx], y[idx]
        info["resampled"] = "%d drawn without replacement" % MAX_ROWS
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=PROTOCOL_SEED)
    info["train_rows"] = int(len(ytr))
    info["test_rows"] = int(len(yte))
    return Xtr, Xte, ytr, yte, info


def run_iforest(Xtr, Xte, yte, seed):
    t0 = time.perf_counter()
    clf = IsolationForest(n_estimators=100, random_state=seed).fit(Xtr)
    s = -clf.score_samples(Xte)
    return roc_auc_score(yte, s), time.perf_counter() - t0


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (p.returncode, shlex.join(cmd), p.stderr))
    return json.loads(p.stdout)


def run_sae(sae, work, Xtr, Xte, yte, seed, flags, threads):
    train = os.path.join(work, "train.npy")
    test = os.path.join(work, "test.npy")
    labels = os.path.join(work, "test_labels.npy")
    model = os.path.join(work, "model")
    scores = os.path.join(work, "scores.npy")
    np.save(train, Xtr.astype(np.float32))
    np.save(test, Xte.astype(np.float32))
    np.save(labels, yte.astype(np.float32).reshape(-1, 1))
    extra = ["--threads", str(threads)] if threads else []
    t0 = time.perf_counter()
    tr = run_json([sae, "train", "--data", train, "--out", model, "--seed", str(seed),
                   "--json"] + extra + flags)
    wall = time.perf_counter() - t0
    sc = run_json([sae, "score", "--model", model, "--data", test, "--labels", labels,
                   "--out", scores, "--json"])
    s = np.load(scores)
    assert s.dtype == np.float32 and s.shape == (len(yte), 1), (s.dtype, s.shape)
    auc = roc_auc_score(yte, s[:, 0].astype(np.float64))
    # One consistency check: sae's own AUROC agrees with scikit-learn's.
    assert abs(auc - sc["auroc"]) < 1e-6, (auc, sc["auroc"])
    secs = tr.get("train_seconds", wall)
    return auc, secs, {"epochs": tr.get("epochs"), "final_loss": tr.get("final_loss")}


def fmt(x, nd=1):
    return "%.*f" % (nd, x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sae", required=True, help="path to the sae binary")
    ap.add_argument("--data-dir", default="../shared/data/adbench",
                    help="directory of ADBench .npz files (default ../shared/data/adbench)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="median over N model seeds 1..N (the split stays seed 1)")
    ap.add_argument("--sae-flags", default="", help="extra flags for sae train")
    ap.add_argument("--hidden-frac", type=float, default=0,
                    help="experiment: pass --hidden max(1, round(F * features)) per set, "
                         "to try a sizing rule the command does not have (default: off)")
    ap.add_argument("--prescale", choices=["none", "robust"], default="none",
                    help="experiment: scale sae's input here before writing it (robust: "
                         "sklearn RobustScaler, median and IQR fitted on the train part), "
                         "to try a scaling the command does not have (default: none)")
    ap.add_argument("--threads", type=int, default=0,
                    help="sae --threads (default: the command's own default)")
    ap.add_argument("--json-out", help="write the results as JSON to this file")
    ap.add_argument("--label", default="", help="a name for this configuration in the output")
    a = ap.parse_args()

    files = sorted(glob.glob(os.path.join(a.data_dir, "*.npz")))
    if not files:
        sys.exit("no .npz files in %s" % a.data_dir)
    flags = shlex.split(a.sae_flags)
    seeds = list(range(1, a.repeat + 1))

    results = []
    with tempfile.TemporaryDirectory(prefix="sae-adbench-") as work:
        for path in files:
            name = os.path.splitext(os.path.basename(path))[0]
            Xtr, Xte, ytr, yte, info = load_split(path)
            if_auc, sae_auc, sae_sec, sae_meta = [], [], [], []
            set_flags = list(flags)
            sXtr, sXte = Xtr, Xte
            if a.prescale == "robust":
                sc = RobustScaler().fit(Xtr)
                sXtr, sXte = sc.transform(Xtr), sc.transform(Xte)
            if a.hidden_frac > 0:
                h = max(1, int(round(a.hidden_frac * info["features"])))
                set_flags += ["--hidden", str(h)]
                info["hidden"] = h
            for seed in seeds:
                auc, _ = run_iforest(Xtr, Xte, yte, seed)
                if_auc.append(auc)
                auc, secs, meta = run_sae(a.sae, work, sXtr, sXte, yte, seed, set_flags, a.threads)
                sae_auc.append(auc)
                sae_sec.append(secs)
                sae_meta.append(meta)
            r = dict(name=name, **info,
                     iforest_auc=statistics.median(if_auc), sae_auc=statistics.median(sae_auc),
                     sae_train_seconds=statistics.median(sae_sec),
                     iforest_auc_runs=if_auc, sae_auc_runs=sae_auc, sae_runs=sae_meta)
            results.append(r)
            print("%s: IF %.1f  sae %.1f  (%.2fs)" % (name, 100 * r["iforest_auc"],
                  100 * r["sae_auc"], r["sae_train_seconds"]), file=sys.stderr)

    results.sort(key=lambda r: (r["rows"], r["name"]))
    mean_if = statistics.mean(r["iforest_auc"] for r in results)
    mean_sae = statistics.mean(r["sae_auc"] for r in results)
    title = "sae train flags: `--seed S%s`" % ((" " + a.sae_flags) if a.sae_flags else "")
    if a.prescale != "none":
        title += " on input pre-scaled by %s (median/IQR of the train part)" % a.prescale
    if a.hidden_frac > 0:
        title += " and `--hidden` = round(%g x features)" % a.hidden_frac
    if a.label:
        title = "**%s** — %s" % (a.label, title)
    print(title + "; split seed 1; %s\n" % (
        "model seed 1" if a.repeat == 1 else "median over model seeds 1..%d" % a.repeat))
    print("| set | rows x features | anomalies | Isolation Forest | sae | sae train s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print("| %s | %d x %d | %.1f%% | %s | %s | %.2f |" % (
            r["name"], r["rows"], r["features"], r["anomaly_pct"],
            fmt(100 * r["iforest_auc"]), fmt(100 * r["sae_auc"]), r["sae_train_seconds"]))
    print("| **mean** | | | **%s** | **%s** | %.2f |" % (
        fmt(100 * mean_if), fmt(100 * mean_sae),
        statistics.mean(r["sae_train_seconds"] for r in results)))
    print()

    if a.json_out:
        out = {"label": a.label, "sae_flags": a.sae_flags, "hidden_frac": a.hidden_frac,
               "prescale": a.prescale,
               "repeat": a.repeat,
               "split_seed": PROTOCOL_SEED, "model_seeds": seeds,
               "mean_iforest_auc": mean_if, "mean_sae_auc": mean_sae, "datasets": results}
        with open(a.json_out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
