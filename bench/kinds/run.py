"""Benchmarks of the Matryoshka and Gated kinds and of transcoders (issue 19).
Usage, from the repository root:

    /usr/bin/python3 bench/kinds/run.py superposition [--seed 1]
    /usr/bin/python3 bench/kinds/run.py hierarchy     [--seed 1] [--epochs 10]
    /usr/bin/python3 bench/kinds/run.py transcoder

superposition: bench/modern's ground truth (synth.py gen: 100,000 rows, 256
    dimensions, 512 unit-norm features in superposition, ~5 active per row,
    firing probabilities geometric over a factor 500), 1024 latents, batch
    512, 30 epochs, --val-split 0: topk, matryoshka (k 8) and gated
    (--target-l0 4), each scored by synth.py score (MMCS, recovered at cos
    > 0.9, the same over the rarest quarter).
hierarchy: hierarchy.py gen (60,000 rows, 256 dimensions, 64 parents with 4
    children each: a parent fires with probability 0.04 and always with
    exactly one of its children), 512 latents, k 4 (equal L0: every kind
    keeps 4 latents per row), batch 512: topk, batchtopk and matryoshka,
    scored by hierarchy.py score (MMCS, recovered, parents recovered,
    absorption rate).
transcoder: x [50,000, 128] sums of ~4 of 256 unit-norm features
    (magnitudes U[0.5, 1.5]), y [50,000, 64] = the same features' own
    directions in y's space with the same magnitudes + x·A (A a fixed
    random linear map): a known sparse map plus a linear part. 40,000
    rows train batchtopk transcoders (1024 latents, k 8, 20 epochs,
    --normalize standard) with and without --skip; sae eval --target
    gives the FVU of y on the 10,000 held-out rows; the skip transcoder's
    SAELens export is checked against sae encode and sae reconstruct of
    the held-out rows by bench/saelens/check.py (numpy only).

Everything is printed as a table and as JSON (--json-out F).
"""
import argparse, json, os, subprocess, sys, tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def train(sae, data, out, extra):
    r = run([sae, "train", "--data", data, "--out", out, "--batch", "512", "--val-split", "0",
             "--threads", "2", "--quiet", "--json", *extra])
    return {k: r[k] for k in ("fvu", "l0", "dead_fraction", "train_seconds", "epochs")}


def superposition(a, sae, tmp):
    d = os.path.join(tmp, "synth")
    gen = run([PY, os.path.join(ROOT, "bench", "modern", "synth.py"), "gen", "--out", d])
    data, feats = os.path.join(d, "data.npy"), os.path.join(d, "features.npy")
    common = ["--hidden", "1024", "--epochs", "30", "--seed", str(a.seed)]
    kinds = {"topk": ["--sparsity", "topk", "--k", "8"],
             "matryoshka": ["--sparsity", "matryoshka", "--k", "8"],
             "gated": ["--sparsity", "gated", "--target-l0", "4"]}
    res = {}
    for name, flags in kinds.items():
        m = os.path.join(tmp, "m_" + name)
        r = train(sae, data, m, common + flags)
        r.update(run([PY, os.path.join(ROOT, "bench", "modern", "synth.py"), "score", "--features", feats,
                      "--dict", os.path.join(m, "model.safetensors")]))
        res[name] = r
    print(f"superposition ground truth {gen}, 1024 latents, batch 512, 30 epochs, seed {a.seed}")
    print(f"{'':11} {'MMCS':>6} {'recovered':>10} {'rarest MMCS':>12} {'rarest rec.':>12} {'FVU':>7} {'l0':>5} {'dead':>6}")
    for name, r in res.items():
        print(f"{name:11} {r['mmcs']:6.3f} {r['recovered']:10.1%} {r['mmcs_rarest_quarter']:12.3f} "
              f"{r['recovered_rarest_quarter']:12.1%} {r['fvu']:7.4f} {r['l0']:5.2f} {r['dead_fraction']:6.1%}")
    return {"data": gen, "results": res}


def hierarchy(a, sae, tmp):
    d = os.path.join(tmp, "hier")
    gen = run([PY, os.path.join(HERE, "hierarchy.py"), "gen", "--out", d, "--seed", str(a.seed)])
    data = os.path.join(d, "data.npy")
    common = ["--hidden", "512", "--k", "4", "--epochs", str(a.epochs), "--seed", str(a.seed)]
    res = {}
    for kind in ("topk", "batchtopk", "matryoshka"):
        m = os.path.join(tmp, "h_" + kind)
        r = train(sae, data, m, common + ["--sparsity", kind])
        codes = os.path.join(tmp, kind + "_codes.npy")
        subprocess.run([sae, "encode", "--model", m, "--data", data, "--out", codes], check=True, capture_output=True)
        r.update(run([PY, os.path.join(HERE, "hierarchy.py"), "score", "--data", d,
                      "--model", os.path.join(m, "model.safetensors"), "--codes", codes]))
        res[kind] = r
    print(f"hierarchical features {gen}, 512 latents, k 4, batch 512, {a.epochs} epochs, seed {a.seed}")
    print(f"{'':11} {'l0':>5} {'MMCS':>6} {'recovered':>10} {'parents rec.':>13} {'absorption':>11} {'FVU':>7}")
    for kind, r in res.items():
        print(f"{kind:11} {r['l0']:5.2f} {r['mmcs']:6.3f} {r['recovered']:10.1%} {r['parents_recovered']:13.1%} "
              f"{r['absorption']:11.1%} {r['fvu']:7.4f}")
    return {"data": gen, "results": res}


def sparse_map(path, n=50000, d=128, o=64, features=256, active=4, seed=1):
    rng = np.random.default_rng(seed)
    fx = rng.standard_normal((features, d))
    fx /= np.linalg.norm(fx, axis=1, keepdims=True)
    fy = rng.standard_normal((features, o))
    fy /= np.linalg.norm(fy, axis=1, keepdims=True)
    lin = 0.5 * rng.standard_normal((d, o)) / np.sqrt(d)
    fire = rng.random((n, features)) < active / features
    mag = rng.uniform(0.5, 1.5, (n, features)) * fire
    x = (mag @ fx).astype(np.float32)
    y = (mag @ fy + x @ lin).astype(np.float32)
    cut = n * 4 // 5
    files = {}
    for name, arr in (("x", x[:cut]), ("y", y[:cut]), ("xt", x[cut:]), ("yt", y[cut:])):
        files[name] = os.path.join(path, name + ".npy")
        np.save(files[name], arr)
    return files, {"n": n, "d": d, "o": o, "features": features, "mean_active": float(fire.sum(1).mean())}


def transcoder(a, sae, tmp):
    os.makedirs(os.path.join(tmp, "tc"), exist_ok=True)
    f, meta = sparse_map(os.path.join(tmp, "tc"))
    flags = ["--sparsity", "batchtopk", "--hidden", "1024", "--k", "8", "--epochs", "20", "--normalize", "standard"]
    res = {}
    for name, extra in (("skip", ["--skip"]), ("no skip", [])):
        m = os.path.join(tmp, "tc_" + name.replace(" ", "_"))
        r = train(sae, f["x"], m, ["--target", f["y"], *flags, *extra])
        ev = run([sae, "eval", "--model", m, "--data", f["xt"], "--target", f["yt"], "--json"])
        r.update({"heldout_fvu": ev["fvu"], "heldout_l0": ev["l0"]})
        res[name] = r
    m = os.path.join(tmp, "tc_skip")
    exp, codes, pred = os.path.join(tmp, "exported"), os.path.join(tmp, "codes.npy"), os.path.join(tmp, "pred.npy")
    subprocess.run([sae, "export", "--model", m, "--format", "saelens", "--out", exp], check=True, capture_output=True)
    subprocess.run([sae, "encode", "--model", m, "--data", f["xt"], "--out", codes], check=True, capture_output=True)
    subprocess.run([sae, "reconstruct", "--model", m, "--data", f["xt"], "--out", pred], check=True, capture_output=True)
    chk = subprocess.run([PY, os.path.join(ROOT, "bench", "saelens", "check.py"), exp, f["xt"], codes, pred],
                         capture_output=True, text=True)
    check = json.loads(chk.stdout.strip().splitlines()[-1])
    print(f"transcoder on a sparse map {meta}: batchtopk, 1024 latents, k 8, 20 epochs")
    print(f"{'':8} {'held-out FVU of y':>18} {'l0':>6} {'train s':>8}")
    for name, r in res.items():
        print(f"{name:8} {r['heldout_fvu']:18.4f} {r['heldout_l0']:6.2f} {r['train_seconds']:8.1f}")
    print(f"SAELens export ({check['architecture']}) against sae encode / reconstruct, numpy: "
          f"max abs diff codes {check['max_abs_diff_codes']:.2g}, predictions {check['max_abs_diff_reconstructions']:.2g}"
          f" ({'within' if check['ok'] else 'NOT within'} {check['tol']:g})")
    return {"data": meta, "results": res, "saelens_check": check}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", choices=["superposition", "hierarchy", "transcoder"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--json-out")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    sae = os.path.join(tmp, "sae")
    subprocess.run(["go", "build", "-o", sae, "./cmd/sae"], check=True, cwd=ROOT)
    res = {"superposition": superposition, "hierarchy": hierarchy, "transcoder": transcoder}[a.which](a, sae, tmp)
    if a.json_out:
        with open(a.json_out, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
