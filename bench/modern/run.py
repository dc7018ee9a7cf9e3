"""The modern-SAE benchmarks: `sae train --sparsity topk` beside a plain
PyTorch TopK trainer (torch_topk.py) on the same data, latents, k, batch and
epochs, run one after the other in the same invocation. Usage, from the
repository root:

    /usr/bin/python3 bench/modern/run.py synthetic   [--epochs 30]
    /usr/bin/python3 bench/modern/run.py fashion     [--epochs 5]
    /usr/bin/python3 bench/modern/run.py throughput  [--epochs 2] [--repeat 3]

synthetic:  ground truth (synth.py gen: 100,000 rows, 256 dimensions, 512
            unit-norm features in superposition, 5 active per row on average,
            firing probabilities decaying geometrically 500-fold, magnitudes
            uniform in [0, 1], seed 1); 1024 latents, k 8, batch 512. Reports
            MMCS and the fraction of true features recovered at cosine > 0.9.
fashion:    the first 20,000 Fashion-MNIST training images; 4096 latents,
            k 16, batch 512. Reports FVU and the fraction of latents that never
            fire on those rows.
throughput: 768 -> 12288, k 32, batch 1024, on synthetic 768-dimensional rows
            (synth.py gen --n 16384 --d 768 --features 16384 --active 32);
            samples/s of training and FVU on the training rows, PyTorch as
            installed and with its AVX-512 kernels named.

sae runs with its defaults for topk except the shared settings (latents, k,
batch, epochs) and --val-split 0 (both train on every row). The PyTorch
reference uses Adam at a constant learning rate 1e-3, a unit-norm decoder,
no AuxK. Everything is printed as a table and as JSON (--json-out F).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
FM = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def run(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_env(avx512=False):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    if avx512:
        env["OPENBLAS_CORETYPE"] = "Cooperlake"
    return env


def sae_train(sae, data, out, hidden, k, batch, epochs, extra=()):
    r = run([sae, "train", "--data", data, "--out", out, "--sparsity", "topk", "--hidden", str(hidden),
             "--k", str(k), "--batch", str(batch), "--epochs", str(epochs), "--val-split", "0",
             "--threads", "2", "--quiet", "--json", *extra])
    ev = run([sae, "eval", "--model", out, "--data", data, "--json"])
    return {"samples_per_second": r["samples_per_second"], "train_seconds": r["train_seconds"],
            "fvu": ev["fvu"], "l0": ev["l0"], "dead_fraction": ev["dead_fraction"]}


def torch_train(data, hidden, k, batch, epochs, rows=0, save_dec="", avx512=False):
    cmd = [PY, os.path.join(HERE, "torch_topk.py"), "--data", data, "--hidden", str(hidden), "--k", str(k),
           "--batch", str(batch), "--epochs", str(epochs), "--threads", "2"]
    if rows:
        cmd += ["--rows", str(rows)]
    if save_dec:
        cmd += ["--save-dec", save_dec]
    return run(cmd, torch_env(avx512))


def score(features, dictionary):
    return run([PY, os.path.join(HERE, "synth.py"), "score", "--features", features, "--dict", dictionary])


def synthetic(a, sae, tmp):
    d = os.path.join(tmp, "synth")
    gen = run([PY, os.path.join(HERE, "synth.py"), "gen", "--out", d])
    data, feats = os.path.join(d, "data.npy"), os.path.join(d, "features.npy")
    ours = sae_train(sae, data, os.path.join(tmp, "m"), 1024, 8, 512, a.epochs)
    ours.update(score(feats, os.path.join(tmp, "m", "model.safetensors")))
    dec = os.path.join(tmp, "torch_dec.npy")
    ref = torch_train(data, 1024, 8, 512, a.epochs, save_dec=dec, avx512=True)
    ref.update(score(feats, dec))
    print(f"synthetic ground truth {gen}, 1024 latents, k 8, batch 512, {a.epochs} epochs")
    print(f"{'':10} {'MMCS':>6} {'recovered':>10} {'rarest 1/4 MMCS':>16} {'rarest 1/4 rec.':>16} {'FVU':>7} {'samples/s':>10}")
    for name, r in (("sae", ours), ("pytorch", ref)):
        print(f"{name:10} {r['mmcs']:6.3f} {r['recovered']:10.1%} {r['mmcs_rarest_quarter']:16.3f} "
              f"{r['recovered_rarest_quarter']:16.1%} {r['fvu']:7.4f} {r['samples_per_second']:10.0f}")
    return {"data": gen, "sae": ours, "pytorch": ref}


def fashion(a, sae, tmp):
    import numpy as np, gzip
    raw = gzip.open(FM).read()
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784)[:20000].astype(np.float32) / 255
    data = os.path.join(tmp, "fm20k.npy")
    np.save(data, x)
    ours = sae_train(sae, data, os.path.join(tmp, "m"), 4096, 16, 512, a.epochs)
    ref = torch_train(data, 4096, 16, 512, a.epochs, avx512=True)
    print(f"Fashion-MNIST, first 20,000 training images, 4096 latents, k 16, batch 512, {a.epochs} epochs")
    print(f"{'':10} {'dead':>7} {'FVU':>7} {'samples/s':>10}")
    for name, r in (("sae", ours), ("pytorch", ref)):
        print(f"{name:10} {r['dead_fraction']:7.1%} {r['fvu']:7.4f} {r['samples_per_second']:10.0f}")
    return {"sae": ours, "pytorch": ref}


def throughput(a, sae, tmp):
    d = os.path.join(tmp, "tp")
    gen = run([PY, os.path.join(HERE, "synth.py"), "gen", "--out", d, "--n", "16384", "--d", "768",
               "--features", "16384", "--active", "32"])
    data = os.path.join(d, "data.npy")
    rs = {"sae": [], "pytorch": [], "pytorch+avx512": []}
    for _ in range(a.repeat):
        # The reference keeps its learning rate constant: so does sae here
        # (its default rate, no decay), so that FVU compares like with like.
        rs["sae"].append(sae_train(sae, data, os.path.join(tmp, "m"), 12288, 32, 1024, a.epochs,
                                   ("--decay", "none")))
        rs["pytorch"].append(torch_train(data, 12288, 32, 1024, a.epochs))
        rs["pytorch+avx512"].append(torch_train(data, 12288, 32, 1024, a.epochs, avx512=True))
    med = {n: {k: statistics.median(r[k] for r in v) for k in ("samples_per_second", "fvu")} for n, v in rs.items()}
    print(f"768 -> 12288, k 32, batch 1024, {a.epochs} epochs of {gen['n']} synthetic rows, 2 threads, "
          f"{a.repeat} runs each (medians)")
    print(f"{'':16} {'samples/s':>10} {'FVU':>7} {'sae speed-up':>13}")
    for n, m in med.items():
        print(f"{n:16} {m['samples_per_second']:10.0f} {m['fvu']:7.4f} "
              f"{med['sae']['samples_per_second'] / m['samples_per_second']:12.1f}x")
    return {"data": gen, "runs": rs, "medians": med}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("which", choices=["synthetic", "fashion", "throughput"])
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json-out")
    a = ap.parse_args()
    if a.epochs is None:
        a.epochs = {"synthetic": 30, "fashion": 5, "throughput": 2}[a.which]
    tmp = tempfile.mkdtemp()
    sae = os.path.join(tmp, "sae")
    subprocess.run(["go", "build", "-o", sae, "./cmd/sae"], check=True, cwd=ROOT)
    res = {"synthetic": synthetic, "fashion": fashion, "throughput": throughput}[a.which](a, sae, tmp)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
