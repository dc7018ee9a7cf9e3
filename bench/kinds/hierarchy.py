"""Hierarchical features, where feature absorption can be measured.

    hierarchy.py gen --out DIR [--n 60000] [--d 256] [--parents 64] [--children 4]
                     [--p-parent 0.04] [--seed 1]
        DIR/data.npy      [n, d] float32: the sum of the features that fire in
                          each row, magnitudes uniform in [0.5, 1.5]
        DIR/features.npy  [parents + parents*children, d] float32: unit-norm
                          random directions, the parents first, then each
                          parent's children in turn
        DIR/active.npy    [n, features] bool: which features fire in each row
        Parent i fires with probability p_parent; when it fires, exactly one
        of its children fires with it (uniformly), and a child never fires
        without its parent. So a parent is as frequent as its children
        together, and a dictionary under sparsity pressure can save one
        active latent per row by letting each child's latent write its
        parent's direction too ("absorption").
    hierarchy.py score --data DIR --model M --codes C.npy
        M is a model.safetensors (its W_dec [latents, d]); C the codes of
        DIR/data.npy ([n, latents], sae encode). Prints JSON:
          mmcs, recovered        over all features: mean best cosine with a
                                 decoder row, fraction above 0.9
          parents_recovered      the same fraction over the parents alone
          absorption             over the parents, the mean fraction of rows
                                 where the parent fires in which the latent
                                 best matching it is silent while a latent
                                 whose decoder row has cosine > 0.3 with the
                                 parent fires: the parent's direction was
                                 written by another latent
          l0                     mean active latents per row
"""
import argparse, json, os, struct

import numpy as np


def gen(a):
    rng = np.random.default_rng(a.seed)
    P, C = a.parents, a.children
    F = P + P * C
    f = rng.standard_normal((F, a.d))
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    act = np.zeros((a.n, F), bool)
    par = rng.random((a.n, P)) < a.p_parent
    act[:, :P] = par
    which = rng.integers(0, C, size=(a.n, P))
    rows, ps = np.nonzero(par)
    act[rows, P + ps * C + which[rows, ps]] = True
    mag = rng.uniform(0.5, 1.5, size=(a.n, F)) * act
    x = (mag @ f).astype(np.float32)
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "data.npy"), x)
    np.save(os.path.join(a.out, "features.npy"), f.astype(np.float32))
    np.save(os.path.join(a.out, "active.npy"), act)
    meta = {"n": a.n, "d": a.d, "parents": P, "children": C, "features": F,
            "mean_active": float(act.sum(1).mean()), "p_parent": a.p_parent}
    with open(os.path.join(a.out, "meta.json"), "w") as fh:
        json.dump(meta, fh)
    print(json.dumps(meta))


def read_safetensors(path, name):
    with open(path, "rb") as fh:
        n = struct.unpack("<Q", fh.read(8))[0]
        hdr = json.loads(fh.read(n))
        t = hdr[name]
        lo, hi = t["data_offsets"]
        fh.seek(8 + n + lo)
        return np.frombuffer(fh.read(hi - lo), dtype=np.float32).reshape(t["shape"])


def score(a):
    f = np.load(os.path.join(a.data, "features.npy")).astype(np.float64)
    act = np.load(os.path.join(a.data, "active.npy"))
    w = read_safetensors(a.model, "W_dec").astype(np.float64)
    w /= np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    cos = f @ w.T  # [features, latents]
    best = cos.max(axis=1)
    codes = np.load(a.codes)
    on = codes > 1e-6
    P = json.load(open(os.path.join(a.data, "meta.json")))["parents"]
    absorbed = []
    for p in range(P):
        rows = act[:, p]
        if not rows.any():
            continue
        own = int(cos[p].argmax())
        writers = np.nonzero(cos[p] > 0.3)[0]
        writers = writers[writers != own]
        silent = ~on[rows, own]
        other = on[rows][:, writers].any(axis=1) if len(writers) else np.zeros(rows.sum(), bool)
        absorbed.append(float((silent & other).mean()))
    print(json.dumps({"mmcs": float(best.mean()), "recovered": float((best > 0.9).mean()),
                      "parents_recovered": float((best[:P] > 0.9).mean()),
                      "absorption": float(np.mean(absorbed)), "l0": float(on.sum(1).mean())}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--n", type=int, default=60000)
    g.add_argument("--d", type=int, default=256)
    g.add_argument("--parents", type=int, default=64)
    g.add_argument("--children", type=int, default=4)
    g.add_argument("--p-parent", type=float, default=0.04)
    g.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("score")
    s.add_argument("--data", required=True)
    s.add_argument("--model", required=True)
    s.add_argument("--codes", required=True)
    a = ap.parse_args()
    gen(a) if a.cmd == "gen" else score(a)


if __name__ == "__main__":
    main()
