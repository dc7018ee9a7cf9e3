#!/usr/bin/env python3
"""The quality table: every use of sae at its defaults, beside its natural
baseline in the same run, on many datasets.

Run from the repository root (bench/quality/run.sh builds the command first):

    /usr/bin/python3 bench/quality/run.py --sae /tmp/sae [--only SECTIONS]
        [--seeds N] [--quick] [--dev] [--jobs N] [--json-out F] [--sae-flags "..."]

Sections (--only takes a comma-separated list; default all):

  anomaly      `sae train` + `sae score` with defaults on the ADBench protocol
               (../shared/data/README.md) for every set in ../shared/data/adbench
               (tabular) and ../shared/data/embeddings (image embeddings), beside
               scikit-learn's IsolationForest(n_estimators=100) with the same seeds;
               per group: mean ROC AUC x 100 (and its range over seeds), wins,
               sets more than 10 points below, the worst five. With --dev the
               test part is not read: each set's training part is split into three
               development folds (fit on 70%, AUC on 30% with the training part's
               labels), which is what a default is chosen on.
  convergence  the default run beside the same configuration trained 4x longer
               (4x the steps, no early stop, the best validation weights kept),
               seeds 1..N: the default run's objective over the long run's, on
               the validation rows (best epoch) and on the test rows; medians.
  features     `sae probe`: linear-probe test accuracy of the default model's
               codes beside the raw input.
  stacked      `sae train --stacked --labels` with defaults: `sae predict` test
               accuracy beside logistic regression on the raw input and the same
               network trained from random initialisation (`--epochs -1`).
  denoise      `sae train --noise gaussian:S` with defaults on image data, S 0.3
               and 0.1: the PSNR gain of `sae reconstruct` on test images with
               that noise.
  default      `sae train` with no flags on Fashion-MNIST: test FVU beside PCA
               with as many components as the model's mean L0, and `sae export
               --format saelens`.
  kl           `sae train --sparsity kl` on the tabular sets: the mean activation
               beside the target rho, and whether the run says it missed.

The feature, convergence, stacked and denoise sections run on Fashion-MNIST
subsets (1k, 5k and 60k training rows; --quick: 1k and 5k; test: the 10,000 test
images) and scikit-learn's small sets (iris, wine, breast cancer, digits as 8x8
images scaled to [0, 1]; stratified 70/30 split, seed 1).
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

SECTIONS = ["anomaly", "convergence", "features", "stacked", "denoise", "default", "kl"]
A = None  # the parsed arguments, set in main (workers inherit them)


def sae(*args, json_out=True):
    """Runs the sae command; returns its JSON object (the last stdout line)."""
    cmd = [A.sae] + [str(a) for a in args]
    if json_out:
        cmd.append("--json")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" % (p.returncode, shlex.join(cmd), p.stderr))
    if not json_out:
        return {"stdout": p.stdout, "stderr": p.stderr}
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["_stderr"] = p.stderr
    return out


def save(path, a):
    np.save(path, np.asarray(a, dtype=np.float32))
    return path


def extra():
    return shlex.split(A.sae_flags)


# ---- anomaly ---------------------------------------------------------------

def anomaly_task(task):
    """One set, one split (the protocol's test part, or a development fold)
    and one seed: returns the AUC of sae and of Isolation Forest."""
    group, name, path, fold, seed = task
    Xtr, Xte, ytr, yte, info = data.protocol_split(path)
    if fold >= 0:
        Xtr, Xte, ytr, yte = list(data.dev_folds(Xtr, ytr))[fold]
    with tempfile.TemporaryDirectory(prefix="sae-quality-") as work:
        tr = save(os.path.join(work, "train.npy"), Xtr)
        te = save(os.path.join(work, "test.npy"), Xte)
        lab = save(os.path.join(work, "labels.npy"), yte.reshape(-1, 1))
        model, scores = os.path.join(work, "model"), os.path.join(work, "scores.npy")
        t0 = time.perf_counter()
        sae("train", "--data", tr, "--out", model, "--seed", seed, "--threads", A.threads, "--quiet", *extra())
        secs = time.perf_counter() - t0
        sc = sae("score", "--model", model, "--data", te, "--labels", lab, "--out", scores)
        s = np.load(scores)[:, 0].astype(np.float64)
    # sae score's own ROC AUC (on its float64 scores), checked against
    # scikit-learn's on the float32 scores it wrote: rounding to float32 can
    # tie a few scores, which moves the AUC in the sixth digit.
    auc = sc["auroc"]
    assert abs(auc - roc_auc_score(yte, s)) < 1e-4, (name, auc, roc_auc_score(yte, s))
    forest = IsolationForest(n_estimators=100, random_state=seed).fit(Xtr)
    if_auc = roc_auc_score(yte, -forest.score_samples(Xte))
    return {"group": group, "name": name, "fold": fold, "seed": seed, "sae": 100 * auc,
            "iforest": 100 * if_auc, "seconds": secs, **info}


def seeds():
    """The anomaly section's model seeds: --first-seed and the --seeds - 1 after it."""
    return list(range(A.first_seed, A.first_seed + A.seeds))


def anomaly(report):
    sets = data.anomaly_sets(A.data_root, A.groups.split(","))
    if not sets:
        report.skip("anomaly", "no .npz files under %s/{%s}" % (A.data_root, A.groups))
        return
    folds = [0, 1, 2] if A.dev else [-1]
    tasks = [(g, n, p, f, s) for g, n, p in sets for f in folds for s in seeds()]
    # The slow sets (many rows or columns) first, so the pool ends together.
    tasks.sort(key=lambda t: -os.path.getsize(t[2]))
    with Pool(A.jobs) as pool:
        runs = list(pool.imap_unordered(anomaly_task, tasks))
    report.data["anomaly"] = runs
    where = "development folds of the training parts (3 folds)" if A.dev else "the protocol's test parts"
    report.line("## Anomaly detection: `sae train` + `sae score` with defaults beside Isolation Forest\n")
    report.line("ROC AUC x 100 on %s; seeds %d..%d (model seeds; the split is the protocol's)." % (where, seeds()[0], seeds()[-1]))
    for group in A.groups.split(","):
        rs = [r for r in runs if r["group"] == group]
        if not rs:
            continue
        names = sorted({r["name"] for r in rs})
        per = {}
        for n in names:
            mine = [r for r in rs if r["name"] == n]
            per[n] = (statistics.mean(r["sae"] for r in mine), statistics.mean(r["iforest"] for r in mine))
        by_seed = []
        for s in seeds():
            xs = [r for r in rs if r["seed"] == s]
            by_seed.append((statistics.mean(r["sae"] for r in xs), statistics.mean(r["iforest"] for r in xs)))
        mean_sae, mean_if = statistics.mean(v[0] for v in per.values()), statistics.mean(v[1] for v in per.values())
        deltas = sorted((v[0] - v[1], n) for n, v in per.items())
        wins = sum(d > 0 for d, _ in deltas)
        below10 = [n for d, n in deltas if d < -10]
        report.line("\n**%s** (%d sets): sae **%.1f** (seeds %s), Isolation Forest **%.1f** (seeds %s): %+.1f; "
                    "sae wins %d of %d; more than 10 below: %d%s" % (
                        group, len(names), mean_sae, "-".join("%.1f" % v[0] for v in by_seed),
                        mean_if, "-".join("%.1f" % v[1] for v in by_seed), mean_sae - mean_if, wins, len(names),
                        len(below10), (" (" + ", ".join(below10) + ")") if below10 else ""))
        report.line("worst five: " + ", ".join("%s %+.1f" % (n, d) for d, n in deltas[:5]))
        report.summary["anomaly_" + group] = {"sae": mean_sae, "iforest": mean_if, "wins": wins, "sets": len(names),
                                              "below10": len(below10), "sae_by_seed": [v[0] for v in by_seed]}
        report.line("\n| set | rows x features | anomalies | Isolation Forest | sae | difference | sae train s |")
        report.line("|---|---|---|--:|--:|--:|--:|")
        for n in names:
            mine = [r for r in rs if r["name"] == n]
            r0 = mine[0]
            report.line("| %s | %d x %d | %.1f%% | %.1f | %.1f | %+.1f | %.2f |" % (
                n, r0["rows"], r0["features"], r0["anomaly_pct"], per[n][1], per[n][0], per[n][0] - per[n][1],
                statistics.median(r["seconds"] for r in mine)))


# ---- the supervised tables --------------------------------------------------

def prepared(work):
    """Writes every supervised set once: {name: dict(paths..., image=bool)}."""
    sizes = [1000, 5000] if A.quick else [1000, 5000, 60000]
    out = {}
    for name, Xtr, ytr, Xte, yte, image in data.supervised_sets(sizes, A.classes_root):
        if A.sets and name not in A.sets.split(","):
            continue
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        out[name] = {
            "train": save(os.path.join(d, "train.npy"), Xtr), "labels": save(os.path.join(d, "labels.npy"), ytr.reshape(-1, 1)),
            "test": save(os.path.join(d, "test.npy"), Xte), "test_labels": save(os.path.join(d, "test_labels.npy"), yte.reshape(-1, 1)),
            "image": image, "rows": len(Xtr), "cols": Xtr.shape[1], "dir": d,
            "Xtr": Xtr, "ytr": ytr, "Xte": Xte, "yte": yte,
        }
    return out


def default_model(s):
    """The model `sae train` makes with defaults (and --sae-flags) on a set, trained once."""
    m = os.path.join(s["dir"], "default")
    if "default_json" not in s:
        s["default_json"] = sae("train", "--data", s["train"], "--out", m, "--seed", 1, "--threads", A.threads_big,
                                "--quiet", *extra())
    return m, s["default_json"]


def probe(s):
    """`sae probe` of the default model's codes and of the raw input on a set, run once."""
    if "probe" not in s:
        m, _ = default_model(s)
        s["probe"] = sae("probe", "--model", m, "--data", s["train"], "--labels", s["labels"], "--test", s["test"],
                         "--test-labels", s["test_labels"], "--threads", A.threads_big)
    return s["probe"]


def best_val(model):
    with open(os.path.join(model, "config.json")) as f:
        h = json.load(f)["training"]
    return min(h["val_loss"]), h


def test_loss(model, s):
    """The model's objective on the set's test rows (`sae eval`'s loss): rows
    no run chose anything on."""
    return sae("eval", "--model", model, "--data", s["test"])["loss"]


def convergence(report, sets):
    seeds = list(range(1, A.seeds + 1))
    report.line("\n## Convergence: the default run beside the same configuration trained 4x longer\n")
    report.line("Each default run (seeds %s) beside a run of the same seed with 4x its epochs on the cosine schedule, "
                "no early stopping, best validation weights kept. Val: the best validation objective (the training "
                "loss on the held-out rows each run chose its weights on). Test: the objective on the test rows, "
                "which neither run saw. Ratio: default over 4x longer, per seed, then the median.\n"
                % ",".join(map(str, seeds)))
    report.line("Best epochs: where the default and the 4x run found their best validation objective. Length gain: "
                "the 4x run's best within the default's epochs over its best overall (1.000: its extra length bought "
                "it nothing, and the val ratio compares two trajectories of the same length).\n")
    report.line("| set | rows | default epochs | why it stopped | val ratio per seed | val median | "
                "test ratio per seed | test median | default test objective per seed | best epochs, default / 4x | "
                "length gain of the 4x run |")
    report.line("|---|--:|---|---|---|--:|---|--:|---|---|---|")
    rows = []
    for name, s in sets.items():
        per = []
        for seed in seeds:
            if seed == 1:
                m, tj = default_model(s)
            else:
                m = os.path.join(s["dir"], "default-s%d" % seed)
                tj = sae("train", "--data", s["train"], "--out", m, "--seed", seed, "--threads", A.threads_big,
                         "--quiet", *extra())
            v, h = best_val(m)
            longm = os.path.join(s["dir"], "long-s%d" % seed)
            sae("train", "--data", s["train"], "--out", longm, "--seed", seed, "--threads", A.threads_big, "--quiet",
                "--epochs", 4 * h["epochs"], "--patience", 0, *extra())
            vl, hl = best_val(longm)
            # Where the 4x run found its best, and its best within the
            # default's length: their ratio is what the extra 3x of its
            # own length bought it (1: nothing; the default-over-4x ratio
            # then compares two trajectories of the same length).
            vl1 = min(hl["val_loss"][:h["epochs"]])
            t, tl = test_loss(m, s), test_loss(longm, s)
            per.append({"seed": seed, "epochs": h["epochs"], "stop": tj.get("stop_reason", ""), "val": v, "val_4x": vl,
                        "ratio": v / vl, "test": t, "test_4x": tl, "test_ratio": t / tl,
                        "best_epoch": h["best_epoch"], "best_epoch_4x": hl["best_epoch"], "val_4x_within_1x": vl1,
                        "length_gain": vl1 / vl})
        med = float(np.median([p["ratio"] for p in per]))
        tmed = float(np.median([p["test_ratio"] for p in per]))
        rows.append({"set": name, "seeds": per, "ratio": med, "test_ratio": tmed})
        report.line("| %s | %d | %s | %s | %s | %.4f | %s | %.4f | %s | %s | %s |" % (
            name, s["rows"], ", ".join(str(p["epochs"]) for p in per), ", ".join(p["stop"] or "-" for p in per),
            ", ".join("%.3f" % p["ratio"] for p in per), med, ", ".join("%.3f" % p["test_ratio"] for p in per), tmed,
            ", ".join("%.4g" % p["test"] for p in per),
            ", ".join("%d / %d" % (p["best_epoch"], p["best_epoch_4x"]) for p in per),
            ", ".join("%.3f" % p["length_gain"] for p in per)))
    report.data["convergence"] = rows
    report.summary["convergence_worst_ratio"] = max(r["ratio"] for r in rows)
    report.summary["convergence_worst_test_ratio"] = max(r["test_ratio"] for r in rows)


def features(report, sets):
    report.line("\n## Feature learning: linear probe on the default model's codes beside the raw input\n")
    report.line("`sae probe` (softmax regression, L2 picked on 10% of the training rows) on the codes and on the "
                "raw input; test accuracy.\n")
    report.line("| set | rows x features | latents | l0 | codes | raw input | gain (points) |")
    report.line("|---|---|--:|--:|--:|--:|--:|")
    rows = []
    for name, s in sets.items():
        m, tj = default_model(s)
        p = probe(s)
        ev = sae("eval", "--model", m, "--data", s["test"])
        rows.append({"set": name, "codes": p["code_accuracy"], "raw": p["raw_accuracy"], "l0": ev["l0"],
                     "hidden": tj.get("hidden")})
        report.line("| %s | %d x %d | %s | %.1f | %.2f | %.2f | %+.2f |" % (
            name, s["rows"], s["cols"], tj.get("hidden"), ev["l0"], 100 * p["code_accuracy"], 100 * p["raw_accuracy"],
            100 * (p["code_accuracy"] - p["raw_accuracy"])))
    report.data["features"] = rows


def stacked(report, sets):
    report.line("\n## Stacked + labels: `sae train --stacked --labels` with defaults\n")
    report.line("Test accuracy of `sae predict` beside logistic regression on the raw input (the raw probe of "
                "`sae probe`) and the same network trained from random initialisation (`--epochs -1`); "
                "\"start\": the network the stacked run kept, its pre-trained one or the same widths it trained "
                "again from random initialisation (the lower validation cross-entropy).\n")
    report.line("| set | rows | layers | stacked | start | random init | logistic regression (raw) |")
    report.line("|---|--:|---|--:|---|--:|--:|")
    rows = []
    for name, s in sets.items():
        out = {}
        layers = None
        for kind, flags in (("stacked", ["--stacked"]), ("random", ["--epochs", -1])):
            m = os.path.join(s["dir"], kind)
            if kind == "random":
                flags = flags + ["--layers", layers]
            tj = sae("train", "--data", s["train"], "--labels", s["labels"], "--out", m, "--seed", 1, "--threads",
                     A.threads_big, "--quiet", *flags, *extra())
            if layers is None:
                with open(os.path.join(m, "config.json")) as f:
                    mc = json.load(f)
                layers = ",".join(str(w) for w in mc["config"]["layers"])
                out["start"] = mc["training"].get("supervised_start", "pretrained")
            pred = os.path.join(s["dir"], kind + "-pred.npy")
            sae("predict", "--model", m, "--data", s["test"], "--out", pred)
            out[kind] = float(np.mean(np.argmax(np.load(pred), 1) == s["yte"]))
        raw = probe(s)["raw_accuracy"]  # the features section's, or run here
        rows.append({"set": name, "layers": layers, **out, "logistic_raw": raw})
        report.line("| %s | %d | %s | %.2f | %s | %.2f | %.2f |" % (name, s["rows"], layers, 100 * out["stacked"],
                                                                  out["start"], 100 * out["random"], 100 * raw))
    report.data["stacked"] = rows


def denoise(report, sets):
    report.line("\n## Denoising: `sae train --noise gaussian:S` with defaults\n")
    report.line("PSNR gain (dB) of `sae reconstruct` on the test images plus N(0, S^2) noise (numpy seed 101, "
                "unclipped, the corruption trained on), against the clean images; S 0.3 (the acceptance's) and "
                "0.1 (mild noise, where a denoiser must not make the images worse).\n")
    report.line("| set | rows | noise sd | input PSNR | output PSNR | gain |")
    report.line("|---|--:|--:|--:|--:|--:|")
    rows = []
    for name, s in sets.items():
        if not s["image"]:
            continue
        for sd in (0.3, 0.1):
            m = os.path.join(s["dir"], "denoiser-%g" % sd)
            sae("train", "--data", s["train"], "--out", m, "--seed", 1, "--threads", A.threads_big, "--quiet",
                "--noise", "gaussian:%g" % sd, *extra())
            rng = np.random.default_rng(101)
            noisy = save(os.path.join(s["dir"], "noisy.npy"), s["Xte"] + rng.normal(0, sd, s["Xte"].shape))
            r = sae("reconstruct", "--model", m, "--data", noisy, "--clean", s["test"],
                    "--out", os.path.join(s["dir"], "denoised.npy"))
            rows.append({"set": name, "sd": sd, "psnr_input": r["psnr_input"], "psnr": r["psnr"], "gain": r["psnr_gain"]})
            report.line("| %s | %d | %g | %.2f | %.2f | %+.2f |" % (name, s["rows"], sd, r["psnr_input"], r["psnr"],
                                                                 r["psnr_gain"]))
    report.data["denoise"] = rows


def default_section(report, sets):
    name = "fm1k" if A.quick else "fm60k"
    s = sets[name]
    m, tj = default_model(s)
    ev = sae("eval", "--model", m, "--data", s["test"])
    k = max(1, int(round(ev["l0"])))
    pca = PCA(n_components=min(k, s["cols"])).fit(s["Xtr"])
    rec = pca.inverse_transform(pca.transform(s["Xte"]))
    fvu_pca = float(((rec - s["Xte"]) ** 2).sum() / ((s["Xte"] - s["Xte"].mean(0)) ** 2).sum())
    exp = os.path.join(s["dir"], "saelens")
    p = subprocess.run([A.sae, "export", "--model", m, "--format", "saelens", "--out", exp], capture_output=True, text=True)
    exported = p.returncode == 0
    with open(os.path.join(m, "config.json")) as f:
        arch = json.load(f)["architecture"]
    report.line("\n## The default model: `sae train` with no flags on Fashion-MNIST (%s)\n" % name)
    report.line("| model | latents | test l0 | test FVU | PCA FVU (same number of components) | probe gain | SAELens export |")
    report.line("|---|--:|--:|--:|--:|--:|---|")
    gain = probe(s)["code_accuracy"] - probe(s)["raw_accuracy"]
    report.line("| %s %s | %d | %.1f | %.4f | %.4f (%d) | %+.2f | %s |" % (
        arch.get("activation"), arch.get("code") or "", arch["hidden"], ev["l0"], ev["fvu"], fvu_pca, k,
        100 * gain, "ok" if exported else "refused: " + p.stderr.strip()))
    report.data["default"] = {"set": name, "arch": arch, "l0": ev["l0"], "fvu": ev["fvu"], "fvu_pca": fvu_pca,
                              "pca_components": k, "probe_gain": gain, "exported": exported}


def kl_task(task):
    name, path = task
    Xtr, _, _, _, _ = data.protocol_split(path)
    with tempfile.TemporaryDirectory(prefix="sae-quality-") as work:
        tr = save(os.path.join(work, "train.npy"), Xtr)
        tj = sae("train", "--data", tr, "--out", os.path.join(work, "m"), "--sparsity", "kl", "--seed", 1,
                 "--threads", A.threads, "--quiet", *extra())
    with_rho = tj.get("rho", 0.05)
    return {"name": name, "mean_activation": tj["mean_activation"], "rho": with_rho,
            "said": tj.get("penalty_target_missed", None), "stderr": tj["_stderr"].strip()}


def kl(report):
    sets = [(n, p) for g, n, p in data.anomaly_sets(A.data_root) if g == "adbench"]
    if not sets:
        report.skip("kl", "no tabular sets")
        return
    with Pool(A.jobs) as pool:
        rows = list(pool.imap(kl_task, sets))
    report.data["kl"] = rows
    report.line("\n## KL sparsity on the tabular sets: `sae train --sparsity kl`\n")
    report.line("| set | mean activation | target rho | off by | the run said |")
    report.line("|---|--:|--:|--:|---|")
    for r in rows:
        off = r["mean_activation"] / r["rho"] - 1
        r["off"] = off
        report.line("| %s | %.4f | %.3g | %+.0f%% | %s |" % (r["name"], r["mean_activation"], r["rho"], 100 * off,
                                                            r["stderr"].replace("\n", " ") or "-"))
    report.summary["kl_missed"] = sum(abs(r["off"]) > 0.2 for r in rows)
    report.summary["kl_missed_unsaid"] = sum(abs(r["off"]) > 0.2 and not r["stderr"] for r in rows)


class Report:
    def __init__(self):
        self.data, self.summary, self.lines = {}, {}, []

    def line(self, s):
        self.lines.append(s)
        print(s, flush=True)

    def skip(self, section, why):
        self.line("\n(%s skipped: %s)" % (section, why))


def main():
    global A
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sae", required=True, help="path to the sae binary")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections to run, comma-separated (default all)")
    ap.add_argument("--seeds", type=int, default=3, help="anomaly and convergence: model seeds 1..N (default 3)")
    ap.add_argument("--first-seed", type=int, default=1, help="anomaly: the first model seed (default 1)")
    ap.add_argument("--dev", action="store_true", help="anomaly: development folds of the training parts, not the test parts")
    ap.add_argument("--quick", action="store_true", help="Fashion-MNIST at 1k and 5k rows only")
    ap.add_argument("--sets", default="", help="supervised sections: only these sets, comma-separated (e.g. iris,wine)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel sae runs in the anomaly and kl sections (default 2)")
    ap.add_argument("--threads", type=int, default=1, help="sae --threads of each parallel run (default 1)")
    ap.add_argument("--threads-big", type=int, default=0, help="sae --threads of the other sections (default: all)")
    ap.add_argument("--groups", default="adbench,embeddings",
                    help="anomaly: the groups of sets (folders under --data-root), comma-separated")
    ap.add_argument("--data-root", default="../shared/data", help="holds adbench/ and embeddings/ (default ../shared/data)")
    ap.add_argument("--classes-root", default="",
                    help="supervised sections: also the classification tables under DIR/heldout_classes "
                         "(bench/quality/heldout_tables.py DIR writes them)")
    ap.add_argument("--sae-flags", default="", help="extra flags for every sae train (to try a candidate default)")
    ap.add_argument("--json-out", help="write every figure as JSON to this file")
    A = ap.parse_args()
    only = [s.strip() for s in A.only.split(",") if s.strip()]
    for s in only:
        if s not in SECTIONS:
            ap.error("unknown section %r (sections: %s)" % (s, ", ".join(SECTIONS)))
    report = Report()
    report.line("# sae quality table\n")
    report.line("sae: `%s`; extra train flags: `%s`; sections: %s\n" % (A.sae, A.sae_flags, ", ".join(only)))
    t0 = time.time()
    if "anomaly" in only:
        anomaly(report)
    if "kl" in only:
        kl(report)
    need = [s for s in ("convergence", "features", "stacked", "denoise", "default") if s in only]
    if need:
        with tempfile.TemporaryDirectory(prefix="sae-quality-") as work:
            sets = prepared(work)
            if "default" in need and "features" not in need:
                need.insert(0, "features")  # the default model's probe gain
            for s in ("features", "convergence", "stacked", "denoise", "default"):
                if s in need:
                    globals()[s if s != "default" else "default_section"](report, sets)
    report.line("\n(%.0f s)" % (time.time() - t0))
    if A.json_out:
        with open(A.json_out, "w") as f:
            json.dump({"args": vars(A), "summary": report.summary, **report.data}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
