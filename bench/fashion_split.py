#!/usr/bin/python3
"""Fashion-MNIST model-selection split: 50,000 fit rows and 10,000 dev rows
drawn from the 60,000 training rows by a seeded permutation (numpy
default_rng(SEED).permutation, SEED 0 unless given). t10k is never read.

    bench/fashion_split.py OUTDIR [SEED]

writes OUTDIR/fit.npz and OUTDIR/dev.npz, each with X (float32, pixels / 255,
as `sae` reads the idx files) and y (int64 labels), and OUTDIR/dev_index.npy
(the dev rows' positions in the training file, so the split can be checked).
"""
import gzip
import os
import sys

import numpy as np

FM = "/usr/share/datasets/fashion-mnist"


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) == 3 else 0
    x = read_idx(f"{FM}/train-images-idx3-ubyte.gz", 16).reshape(-1, 784)
    y = read_idx(f"{FM}/train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    if x.shape[0] != 60000 or y.shape[0] != 60000:
        sys.exit(f"fashion_split: want 60000 training rows, got {x.shape[0]} images and {y.shape[0]} labels")
    x = x.astype(np.float32) / np.float32(255)
    perm = np.random.default_rng(seed).permutation(60000)
    fit, dev = perm[:50000], np.sort(perm[50000:])
    fit = np.sort(fit)
    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, "fit.npz"), X=x[fit], y=y[fit])
    np.savez(os.path.join(out, "dev.npz"), X=x[dev], y=y[dev])
    np.save(os.path.join(out, "dev_index.npy"), dev)
    print(f"fit {len(fit)} rows, dev {len(dev)} rows (seed {seed}); classes in dev: {np.bincount(y[dev]).tolist()}")


if __name__ == "__main__":
    main()
