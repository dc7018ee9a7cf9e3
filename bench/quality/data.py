"""Data for bench/quality: the ADBench protocol split, Fashion-MNIST subsets and
scikit-learn's small sets, each written once as float32 .npy under a work directory."""

import functools
import glob
import gzip
import json
import os
import subprocess
import sys
from multiprocessing import Pool

import numpy as np
from sklearn.model_selection import train_test_split

PROTOCOL_SEED = 1
MIN_ROWS, MAX_ROWS = 1000, 10000
FM = "/usr/share/datasets/fashion-mnist"
SKLEARN = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def run_sae(binary, *args):
    """Runs the sae binary with args: its standard output, or RuntimeError
    with its standard error when it fails."""
    p = subprocess.run([binary] + [str(x) for x in args], capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)
    return p.stdout


def script_args(main):
    """The command line of a 41-set script (SCRIPT SAE_BINARY OUT.json [sae
    train flags...]): a function running that sae binary (run_sae) and the
    extra train flags. main is whether the script runs as __main__ (on an
    import there is no binary: the function is then None)."""
    if not main:
        return None, []
    return functools.partial(run_sae, sys.argv[1]), sys.argv[3:]


def protocol_split(path):
    """ADBench's unsupervised protocol (../shared/data/README.md): seed 1; fewer
    than 1000 rows: 1000 drawn with replacement; more than 10000: 10000 drawn
    without; stratified 70/30 split. Returns Xtr, Xte, ytr, yte, info."""
    with np.load(path) as z:
        X = np.asarray(z["X"], dtype=np.float64)
        y = np.asarray(z["y"]).astype(np.int64).ravel()
    n, d = X.shape
    info = {"rows": int(n), "features": int(d), "anomaly_pct": 100.0 * float(y.mean())}
    np.random.seed(PROTOCOL_SEED)
    if n < MIN_ROWS:
        idx = np.random.choice(np.arange(n), MIN_ROWS, replace=True)
        X, y = X[idx], y[idx]
    elif n > MAX_ROWS:
        idx = np.random.choice(np.arange(n), MAX_ROWS, replace=False)
        X, y = X[idx], y[idx]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=PROTOCOL_SEED)
    return Xtr, Xte, ytr, yte, info


def labelled_split(path, w):
    """The split of the scripts that use an anomaly set's labels as classes
    (probe_sets.py, stacked_sets.py): more than 10,000 rows -> 10,000 drawn
    (numpy seed 1); a stratified 70/30 split (seed 1); no rows drawn twice
    (a classifier would meet its training rows again in the test part).
    Writes tr.npy, te.npy, ytr.npy and yte.npy under the directory w and
    returns (rows, columns, yte)."""
    with np.load(path) as z:
        X = np.asarray(z['X'], np.float64)
        y = np.asarray(z['y']).astype(np.int64).ravel()
    if len(X) > 10000:
        idx = np.random.RandomState(1).choice(len(X), 10000, replace=False)
        X, y = X[idx], y[idx]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=1)
    for n, a in (('tr', Xtr), ('te', Xte)):
        np.save(os.path.join(w, n + '.npy'), a.astype(np.float32))
    for n, a in (('ytr', ytr), ('yte', yte)):
        np.save(os.path.join(w, n + '.npy'), a.astype(np.int32))
    return len(X), X.shape[1], yte


def dev_folds(Xtr, ytr, folds=3):
    """Development folds inside the protocol's training part (its labels, never
    the test part's): stratified 70/30 splits with seeds 101, 102, ..."""
    for s in range(101, 101 + folds):
        a, b, ya, yb = train_test_split(Xtr, ytr, test_size=0.3, stratify=ytr, random_state=s)
        yield a, b, ya, yb


def anomaly_sets(root, groups=("adbench", "embeddings")):
    """(group, name, path) of every .npz under root/GROUP for each of groups."""
    out = []
    for g in groups:
        for p in sorted(glob.glob(os.path.join(root, g, "*.npz"))):
            out.append((g, os.path.splitext(os.path.basename(p))[0], p))
    return out


def _idx(path):
    with gzip.open(path) as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


def fashion():
    """Fashion-MNIST as float pixels in [0, 1]: Xtr [60000,784], ytr, Xte, yte."""
    if not os.path.exists(os.path.join(FM, "train-images-idx3-ubyte.gz")):
        raise SystemExit("Fashion-MNIST is missing: apt-get install dataset-fashion-mnist")
    Xtr = _idx(os.path.join(FM, "train-images-idx3-ubyte.gz")).reshape(-1, 784) / 255.0
    Xte = _idx(os.path.join(FM, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784) / 255.0
    ytr = _idx(os.path.join(FM, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    yte = _idx(os.path.join(FM, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    return Xtr, ytr, Xte, yte


def small_sets():
    """scikit-learn's small sets, each as (name, X, y, image): iris, wine,
    breast cancer (tabular) and digits (8x8 images, pixels / 16)."""
    out = []
    for name, fn in (("iris", "iris.csv"), ("wine", "wine_data.csv"), ("breast_cancer", "breast_cancer.csv")):
        a = np.loadtxt(os.path.join(SKLEARN, fn), delimiter=",", skiprows=1)
        out.append((name, a[:, :-1], a[:, -1].astype(np.int64), False))
    a = np.loadtxt(os.path.join(SKLEARN, "digits.csv.gz"), delimiter=",")
    out.append(("digits", a[:, :-1] / 16.0, a[:, -1].astype(np.int64), True))
    return out


def class_sets(root):
    """heldout_tables.py's classification tables under root/heldout_classes,
    each as (name, X, y, image): [] when root is empty."""
    out = []
    for p in sorted(glob.glob(os.path.join(root, "heldout_classes", "*.npz"))) if root else []:
        with np.load(p) as z:
            out.append((os.path.splitext(os.path.basename(p))[0], np.asarray(z["X"], np.float64),
                        np.asarray(z["y"]).astype(np.int64).ravel(), False))
    if root and not out:
        raise SystemExit("no .npz files under %s/heldout_classes (bench/quality/heldout_tables.py writes them)" % root)
    return out


def supervised_sets(sizes, classes_root=""):
    """The feature-learning tables: Fashion-MNIST subsets of the given training
    sizes (drawn with seed 1; the 10,000 test images as test), the small sets
    and heldout_tables.py's classification tables under classes_root, if
    given (stratified 70/30 split, seed 1). Yields (name, Xtr, ytr, Xte, yte,
    image)."""
    Xtr, ytr, Xte, yte = fashion()
    rng = np.random.default_rng(PROTOCOL_SEED)
    for n in sizes:
        idx = np.sort(rng.permutation(len(Xtr))[:n]) if n < len(Xtr) else np.arange(len(Xtr))
        yield ("fm%dk" % (n // 1000), Xtr[idx], ytr[idx], Xte, yte, True)
    for name, X, y, image in small_sets() + class_sets(classes_root):
        a, b, ya, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=PROTOCOL_SEED)
        yield (name, a, ya, b, yb, image)


def labelled_rounds():
    """The sets of the stacked classifier's development rounds (stacked_avg.py,
    stacked_widths.py), as (group, name, path): the 19 tables but InternetAds
    with their labels as classes, and scikit-learn's iris, wine, breast cancer
    and digits (path None). FILTER=a,b keeps the sets so named; DATA_ROOT
    (default ../shared/data)."""
    keep = [f for f in os.environ.get("FILTER", "").split(",") if f]
    sets = [s for s in anomaly_sets(os.environ.get("DATA_ROOT", "../shared/data"))
            if s[0] == "adbench" and s[1] != "17_InternetAds"]
    sets += [("small", n, None) for n in ("iris", "wine", "breast_cancer", "digits")]
    return [s for s in sets if not keep or s[1] in keep]


def training_part(name, path, w):
    """A labelled_rounds set's training part, as its table splits it: X, y
    (float32, int32). A table is split as stacked_sets.py splits it (its
    files left under w), a small set as the quality table splits it."""
    if path is None:
        X, y = {s[0]: (s[1], s[2]) for s in small_sets()}[name]
        X, _, y, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=PROTOCOL_SEED)
        return X.astype(np.float32), y.astype(np.int32)
    labelled_split(path, w)
    return np.load(os.path.join(w, "tr.npy")), np.load(os.path.join(w, "ytr.npy"))


def run_rounds(task, sets, seeds, out, show=lambda r: r):
    """Runs task on every (group, name, path, seed) of sets and seeds, the
    largest files of a seed first, in JOBS (default 2) processes; prints
    show(result) as a JSON line each, writes the results to out and returns
    them."""
    size = lambda p: os.path.getsize(p) if p else 0
    tasks = sorted(((g, n, p, s) for g, n, p in sets for s in seeds), key=lambda t: (t[3], -size(t[2])))
    res = []
    with Pool(int(os.environ.get("JOBS", "2"))) as pool:
        for r in pool.imap_unordered(task, tasks):
            print(json.dumps(show(r)), flush=True)
            res.append(r)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    return res
