"""Writes a held-out anomaly group, sets the anomaly defaults were never chosen on:
ROOT/heldout/*.npz (X, y as ../shared/data's sets), made ADBench's way for its
image sets (one class as the anomaly, 5% of the rows, the other classes normal):

  digits_C   scikit-learn's digits (8x8 pixels / 16, 64 columns): class C's rows
             drawn to 5% of the set, every other row normal (about 1,700 rows)
  fmnist_C   Fashion-MNIST's training images (784 pixels / 255): 4,750 rows of
             the other nine classes and 250 of class C (5,000 rows)

Draws with numpy seed 1. Then
  bench/quality/run.sh --only anomaly --groups heldout --data-root ROOT
measures sae's defaults beside Isolation Forest on them with the protocol of
../shared/data/README.md (the 70/30 split, ROC AUC on the test part).

Usage: /usr/bin/python3 bench/quality/heldout.py ROOT
"""

import os
import sys

import numpy as np

import data


def one_class(X, y, c, normals, anomalies, rng):
    """normals rows drawn from every class but c (all of them if None) and
    anomalies rows of class c: (X, y) with y 1 for class c."""
    nrm, ano = np.flatnonzero(y != c), np.flatnonzero(y == c)
    if normals is not None:
        nrm = rng.choice(nrm, normals, replace=False)
    if anomalies is None:
        anomalies = int(round(len(nrm) * 0.05 / 0.95))
    ano = rng.choice(ano, anomalies, replace=False)
    idx = np.concatenate([nrm, ano])
    rng.shuffle(idx)
    return X[idx], (y[idx] == c).astype(np.int64)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = os.path.join(sys.argv[1], "heldout")
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(1)
    digits = [s for s in data.small_sets() if s[0] == "digits"][0]
    for c in range(10):
        X, y = one_class(digits[1], digits[2], c, None, None, rng)
        np.savez(os.path.join(out, "digits_%d.npz" % c), X=X, y=y)
    Xf, yf, _, _ = data.fashion()
    for c in range(10):
        X, y = one_class(Xf, yf, c, 4750, 250, rng)
        np.savez(os.path.join(out, "fmnist_%d.npz" % c), X=X, y=y)
    print("wrote 20 sets under", out)


if __name__ == "__main__":
    main()
