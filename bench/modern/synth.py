"""Ground-truth data for the modern-SAE benchmark, and the scores of a
learned dictionary against it.

    synth.py gen --out DIR [--n 100000] [--d 256] [--features 512] [--active 5] [--ratio 500] [--seed 1]
        DIR/data.npy      [n, d] float32: x = sum_i m_i f_i over the features
                          that fire in the row, m_i ~ U[0, 1]
        DIR/features.npy  [features, d] float32: unit-norm random directions
        DIR/probs.npy     [features] firing probabilities: geometric, from the
                          most to the least frequent a factor `ratio` apart,
                          summing to `active` (the mean active features per row)
    synth.py score --features F --dict D
        D is a model.safetensors (its W_dec [latents, d]) or a .npy
        [latents, d]; prints JSON: mmcs (mean over true features of the best
        cosine with a dictionary row), recovered (fraction with cosine >
        0.9), and the same two over the least frequent quarter of features.
"""
import argparse, json, os, struct, sys

import numpy as np


def gen(a):
    rng = np.random.default_rng(a.seed)
    f = rng.standard_normal((a.features, a.d))
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    r = a.ratio ** (-1.0 / (a.features - 1))
    p = r ** np.arange(a.features)
    p *= a.active / p.sum()
    x = np.zeros((a.n, a.d), np.float32)
    chunk = 10000
    for lo in range(0, a.n, chunk):
        m = min(chunk, a.n - lo)
        fire = rng.random((m, a.features)) < p
        mag = rng.random((m, a.features)) * fire
        x[lo:lo + m] = (mag @ f).astype(np.float32)
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "data.npy"), x)
    np.save(os.path.join(a.out, "features.npy"), f.astype(np.float32))
    np.save(os.path.join(a.out, "probs.npy"), p)
    print(json.dumps({"n": a.n, "d": a.d, "features": a.features, "mean_active": float(p.sum()),
                      "p_max": float(p[0]), "p_min": float(p[-1]),
                      "p_quartile_rarest_max": float(p[3 * a.features // 4])}))


def read_safetensors(path, name):
    with open(path, "rb") as fh:
        n = struct.unpack("<Q", fh.read(8))[0]
        hdr = json.loads(fh.read(n))
        base = 8 + n
        t = hdr[name]
        assert t["dtype"] == "F32", t["dtype"]
        lo, hi = t["data_offsets"]
        fh.seek(base + lo)
        return np.frombuffer(fh.read(hi - lo), dtype=np.float32).reshape(t["shape"])


def score(a):
    f = np.load(a.features).astype(np.float64)
    if a.dict.endswith(".npy"):
        w = np.load(a.dict)
    else:
        w = read_safetensors(a.dict, "W_dec")
    w = w.astype(np.float64)
    w = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    best = (f @ w.T).max(axis=1)
    q = len(best) * 3 // 4  # features are stored most frequent first
    print(json.dumps({"mmcs": float(best.mean()), "recovered": float((best > 0.9).mean()),
                      "mmcs_rarest_quarter": float(best[q:].mean()),
                      "recovered_rarest_quarter": float((best[q:] > 0.9).mean())}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--n", type=int, default=100000)
    g.add_argument("--d", type=int, default=256)
    g.add_argument("--features", type=int, default=512)
    g.add_argument("--active", type=float, default=5)
    g.add_argument("--ratio", type=float, default=500)
    g.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("score")
    s.add_argument("--features", required=True)
    s.add_argument("--dict", required=True)
    a = ap.parse_args()
    gen(a) if a.cmd == "gen" else score(a)


if __name__ == "__main__":
    main()
