"""Side-by-side benchmark of sae's autoencoder variants and their PyTorch twins
on Fashion-MNIST (issue 4). See bench/variants/README.md for what each
experiment does; bench/variants/run.sh builds sae and runs this.

    python3 bench/variants/run.py --sae /path/to/sae [--json-out results.json]

sae is driven through its command line only (train, eval, reconstruct,
encode, generate, predict); the twins are trained in-process with
torch_twins.py. Both sides are then evaluated by the numpy code below on the
same test arrays; sae's own reported figures are shown beside the numpy ones.
"""

import argparse
import gzip
import json
import math
import os
import shlex
import subprocess
import sys
import time

# OpenMP threads that spin while waiting make torch several times slower on a
# machine whose cores are shared; this must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_twins  # noqa: E402

FM = "/usr/share/datasets/fashion-mnist"

COMMANDS = []  # every sae command run, in order


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data


def load_images(name):
    with gzip.open(os.path.join(FM, name)) as f:
        b = f.read()
    return np.frombuffer(b, np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0


def load_labels(name):
    with gzip.open(os.path.join(FM, name)) as f:
        b = f.read()
    return np.frombuffer(b, np.uint8, offset=8).astype(np.int64)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", meta
        lo, hi = meta["data_offsets"]
        out[name] = np.frombuffer(raw[base + lo:base + hi], dtype="<f4").reshape(meta["shape"])
    return out


def sae_weights(model_dir):
    """sae's model as numpy layers: enc, dec lists of (W [in,out], b), head or None."""
    t = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    if "W_enc" in t:
        enc, dec = [(t["W_enc"], t["b_enc"])], [(t["W_dec"], t["b_dec"])]
    else:
        k = sum(1 for n in t if n.startswith("W_enc."))
        enc = [(t[f"W_enc.{i}"], t[f"b_enc.{i}"]) for i in range(k)]
        dec = [(t[f"W_dec.{i}"], t[f"b_dec.{i}"]) for i in range(k)]
    head = (t["W_head"], t["b_head"]) if "W_head" in t else None
    return enc, dec, head


# ---------------------------------------------------------------- numpy evaluation


def act_np(name, v):
    if name == "relu":
        return np.maximum(v, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-v))
    return np.tanh(v)


def softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def encode_np(enc, act, x):
    h = x.astype(np.float64)
    for w, b in enc:
        h = act_np(act, h @ w + b)
    return h


def decode_np(dec, act, code, loss):
    h = code
    for i, (w, b) in enumerate(dec):
        h = h @ w + b
        if i < len(dec) - 1:
            h = act_np(act, h)
    return 1 / (1 + np.exp(-h)) if loss == "bce" else h


def psnr(clean, y):
    """10*log10(range^2 / mse) with range = max(clean) - min(clean) (1 here),
    as sae reconstruct --clean computes it."""
    r = float(clean.max() - clean.min()) or 1.0
    mse = float(np.mean((np.asarray(y, np.float64) - clean) ** 2))
    return 10 * math.log10(r * r / mse)


def act_grad(name, h):
    """act'(.) written through the output h = act(.)."""
    if name == "sigmoid":
        return h * (1 - h)
    if name == "tanh":
        return 1 - h * h
    return (h > 0).astype(np.float64)


def jacobian_norm(w, h, act="sigmoid"):
    """Mean over rows of ||dh/dx||_F for h = act(x W + b)."""
    s = (np.asarray(w, np.float64) ** 2).sum(0)
    g = act_grad(act, h) ** 2
    return float(np.sqrt(g @ s).mean())


def map_jacobian_norm(enc, dec, act, h, rows=500):
    """Mean over the first `rows` rows of ||dx^/dx||_F, the Jacobian of the
    whole map x -> x^ of a one-layer model with a linear output: W_enc
    diag(act') W_dec. Unlike the encoder's Jacobian it does not change when
    the code is scaled down and the decoder up by the same factor."""
    we, wd = np.asarray(enc[0][0], np.float64), np.asarray(dec[0][0], np.float64)
    d = act_grad(act, h[:rows])
    return float(np.mean([np.linalg.norm((we * di) @ wd) for di in d]))


def elbo_np(enc, dec, act, x, code, seed):
    """One-sample ELBO per row in nats, mean over rows: log p(x|z) (Bernoulli)
    - KL(q(z|x) || N(0, I)), z = mu + exp(lv/2) * eps with eps ~ N(0, I)
    drawn from numpy with `seed` (the same draws for every model)."""
    x64 = x.astype(np.float64)
    h = act_np(act, x64 @ enc[0][0] + enc[0][1])
    ml = h @ enc[1][0] + enc[1][1]
    mu, lv = ml[:, :code], ml[:, code:]
    eps = np.random.default_rng(seed).standard_normal(mu.shape)
    z = mu + np.exp(0.5 * lv) * eps
    u = act_np(act, z @ dec[0][0] + dec[0][1])
    logits = u @ dec[1][0] + dec[1][1]
    logp = -(softplus(logits) - x64 * logits).sum(1)
    kl = 0.5 * (mu * mu + np.exp(lv) - lv - 1).sum(1)
    return float((logp - kl).mean()), float(kl.mean())


def predict_np(enc, head, act, x):
    h = encode_np(enc, act, x)
    return (h @ head[0] + head[1]).argmax(1)


# ---------------------------------------------------------------- running sae


class Sae:
    def __init__(self, binary, work, seed, threads):
        self.bin, self.work, self.seed, self.threads = binary, work, seed, threads

    def run(self, *args):
        cmd = [self.bin, *map(str, args), "--json"]
        COMMANDS.append(" ".join(shlex.quote(c) for c in ["sae", *cmd[1:]]))
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr}")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        out["_wall"] = time.perf_counter() - t0
        return out

    def common(self, lr, batch, weight_decay):
        """Flags every experiment passes, so that no default differs silently."""
        return ["--normalize", "none", "--trim", "0", "--val-split", "0", "--patience", "0",
                "--warmup", "0", "--decay", "none", "--optimizer", "adam", "--lr", lr, "--batch", batch,
                "--weight-decay", weight_decay, "--seed", self.seed, "--threads", self.threads, "--quiet"]

    def train(self, out, data, *flags, lr, batch, weight_decay):
        return self.run("train", "--data", data, "--out", out, *flags, *self.common(lr, batch, weight_decay))

    def path(self, *p):
        return os.path.join(self.work, *p)


def table(title, header, rows):
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines) + "\n"


def f(v, p=3):
    return f"{v:.{p}f}"


# ---------------------------------------------------------------- experiments


def exp_denoising(sae, a, D):
    """784 -> 256 relu, mse, no sparsity penalty, trained on corrupted inputs
    against the clean rows; evaluated on corrupted test images."""
    hp = dict(lr=a.lr, batch=a.batch, weight_decay=a.weight_decay)
    rng = np.random.default_rng(a.seed + 100)
    clean = D["test"]
    tests = {
        "gaussian:0.3": clean + (0.3 * rng.standard_normal(clean.shape)).astype(np.float32),
        "mask:0.5": clean * (rng.random(clean.shape) >= 0.5).astype(np.float32),
    }
    # The gaussian test set clipped to [0, 1]: a variant neither side was trained on.
    tests["gaussian:0.3 clipped"] = np.clip(tests["gaussian:0.3"], 0, 1)
    for k, v in tests.items():
        np.save(sae.path(f"noisy_{k.replace(':', '').replace(' ', '_')}.npy"), v.astype(np.float32))
    res = []
    models = {}
    for noise in ["gaussian:0.3", "mask:0.5"]:
        tag = noise.replace(":", "")
        log(f"[denoising] sae train --noise {noise}")
        m = sae.path(f"dae_{tag}")
        tr = sae.train(m, D["train_path"], "--hidden", 256, "--activation", "relu", "--sparsity", "none",
                       "--loss", "mse", "--noise", noise, "--epochs", a.epochs, **hp)
        log(f"[denoising] torch twin --noise {noise}")
        enc, dec, tsec = torch_twins.train_autoencoder(
            D["train"], layers=[256], activation="relu", loss="mse", noise=noise, epochs=a.epochs, seed=a.seed, **hp)
        models[noise] = (m, tr, enc, dec, tsec)
    for test, noisy in tests.items():
        noise = "gaussian:0.3" if test.startswith("gaussian") else "mask:0.5"
        m, tr, enc, dec, tsec = models[noise]
        npath = sae.path(f"noisy_{test.replace(':', '').replace(' ', '_')}.npy")
        rpath = sae.path(f"rec_{noise.replace(':', '')}_{test.replace(':', '').replace(' ', '_')}.npy")
        rc = sae.run("reconstruct", "--model", m, "--data", npath, "--clean", D["test_path"], "--out", rpath)
        rec = np.load(rpath)
        own_rec = decode_np(sae_weights(m)[1], "relu", encode_np(sae_weights(m)[0], "relu", noisy), "mse")
        trec = decode_np(dec, "relu", encode_np(enc, "relu", noisy), "mse")
        p_in = psnr(clean, noisy)
        r = {
            "model": f"--noise {noise}", "test": test,
            "psnr_input": p_in,
            "sae": {"psnr": rc["psnr"], "psnr_input": rc["psnr_input"], "psnr_gain": rc["psnr_gain"],
                    "psnr_numpy": psnr(clean, rec), "gain_numpy": psnr(clean, rec) - p_in,
                    "max_abs_diff_numpy_forward": float(np.abs(own_rec - rec).max()),
                    "train_seconds": tr["train_seconds"]},
            "torch": {"psnr": psnr(clean, trec), "psnr_gain": psnr(clean, trec) - p_in, "train_seconds": tsec},
        }
        r["pass"] = bool(r["sae"]["psnr_gain"] >= r["torch"]["psnr_gain"])
        res.append(r)
    rows = [[r["model"], r["test"], f(r["psnr_input"], 2), f(r["sae"]["psnr"], 2), f(r["sae"]["psnr_gain"], 2),
             f(r["sae"]["gain_numpy"], 2), f(r["torch"]["psnr"], 2), f(r["torch"]["psnr_gain"], 2),
             f(r["sae"]["train_seconds"], 1), f(r["torch"]["train_seconds"], 1),
             ("yes" if r["pass"] else "**no**") + ("" if "clipped" not in r["test"] else " (extra)")] for r in res]
    md = table(f"1. Denoising: 784-256 relu, mse, {a.epochs} epochs, {len(D['train'])} training rows; "
               f"PSNR (dB) on the {len(clean)} test images",
               ["model", "test corruption", "input PSNR", "sae PSNR", "sae gain", "sae gain (numpy)",
                "torch PSNR", "torch gain", "sae train s", "torch train s", "sae gain >= torch"], rows)
    return {"rows": res}, md


def exp_variational(sae, a, D):
    hp = dict(lr=a.lr, batch=a.batch, weight_decay=a.weight_decay)
    m = sae.path("vae")
    log("[variational] sae train --variational")
    tr = sae.train(m, D["train_path"], "--variational", "--layers", "256,20", "--activation", "relu",
                   "--loss", "bce", "--sparsity", "none", "--epochs", a.vae_epochs, **hp)
    ev = sae.run("eval", "--model", m, "--data", D["test_path"])
    gen = sae.run("generate", "--model", m, "--n", 64, "--out", sae.path("vae_samples.npy"),
                  "--grid", sae.path("vae_samples.png"), "--seed", a.seed)
    senc, sdec, _ = sae_weights(m)
    log("[variational] torch twin")
    enc, dec, tsec = torch_twins.train_vae(D["train"], hidden=256, code=20, activation="relu",
                                           epochs=a.vae_epochs, seed=a.seed, **hp)
    x = D["test"]
    s_elbo, s_kl = elbo_np(senc, sdec, "relu", x, 20, a.seed + 7)
    t_elbo, t_kl = elbo_np(enc, dec, "relu", x, 20, a.seed + 7)
    samples = np.load(sae.path("vae_samples.npy"))
    r = {
        "sae": {"elbo": ev["elbo"], "elbo_numpy": s_elbo, "kl_numpy": s_kl, "train_seconds": tr["train_seconds"],
                "grid": gen.get("grid"), "samples_range": [float(samples.min()), float(samples.max())]},
        "torch": {"elbo_numpy": t_elbo, "kl_numpy": t_kl, "train_seconds": tsec},
    }
    r["pass"] = bool(r["sae"]["elbo"] >= t_elbo - 1 and s_elbo >= t_elbo - 1)
    md = table(f"2. Variational: 784-256-(20+20) relu, Bernoulli decoder, {a.vae_epochs} epochs, "
               f"{len(D['train'])} training rows; test ELBO (nats per image, one-sample estimate, higher is better)",
               ["", "ELBO (sae eval)", "ELBO (numpy, same draws)", "KL (numpy)", "train s"],
               [["sae", f(ev["elbo"], 2), f(s_elbo, 2), f(s_kl, 2), f(tr["train_seconds"], 1)],
                ["torch", "", f(t_elbo, 2), f(t_kl, 2), f(tsec, 1)]])
    md += f"\nsae within 1 nat of torch or better: {'yes' if r['pass'] else '**no**'}; samples grid: {gen.get('grid')}\n"
    return r, md


def exp_contractive(sae, a, D):
    hp = dict(lr=a.lr, batch=a.batch, weight_decay=a.weight_decay)
    act, hidden = a.contractive_activation, a.contractive_hidden
    x = D["test"]
    res = []
    for c in [0.0] + a.contractive:
        m = sae.path(f"cae_{act}_{hidden}_{c:g}")
        log(f"[contractive] sae train --activation {act} --hidden {hidden} --contractive {c:g}")
        tr = sae.train(m, D["train_path"], "--hidden", hidden, "--activation", act, "--sparsity", "none",
                       "--loss", "mse", "--contractive", f"{c:g}", "--epochs", a.epochs, **hp)
        ev = sae.run("eval", "--model", m, "--data", D["test_path"])
        cp = sae.path(f"cae_{act}_{hidden}_{c:g}_codes.npy")
        sae.run("encode", "--model", m, "--data", D["test_path"], "--out", cp)
        codes = np.load(cp).astype(np.float64)
        senc, sdec, _ = sae_weights(m)
        s_rec = decode_np(sdec, act, codes, "mse")
        log(f"[contractive] torch twin C={c:g}")
        enc, dec, tsec = torch_twins.train_autoencoder(
            D["train"], layers=[hidden], activation=act, loss="mse", contractive=c, epochs=a.epochs,
            seed=a.seed, **hp)
        th = encode_np(enc, act, x)
        t_rec = decode_np(dec, act, th, "mse")
        res.append({
            "C": c,
            "sae": {"jacobian_norm": ev["jacobian_norm"], "mse": ev["mse"], "fvu": ev["fvu"],
                    "jacobian_norm_numpy": jacobian_norm(senc[0][0], codes, act),
                    "map_jacobian_norm": map_jacobian_norm(senc, sdec, act, codes),
                    "mse_numpy": float(np.mean((s_rec - x) ** 2)), "train_seconds": tr["train_seconds"]},
            "torch": {"jacobian_norm": jacobian_norm(enc[0][0], th, act), "mse": float(np.mean((t_rec - x) ** 2)),
                      "map_jacobian_norm": map_jacobian_norm(enc, dec, act, th), "train_seconds": tsec},
        })
    base = res[0]
    for r in res:
        for side in ("sae", "torch"):
            s, b = r[side], base[side]
            s["jacobian_drop"] = b["jacobian_norm"] / s["jacobian_norm"]
            s["map_jacobian_drop"] = b["map_jacobian_norm"] / s["map_jacobian_norm"]
            s["mse_increase"] = s["mse"] / b["mse"] - 1
            s["pass"] = bool(r["C"] > 0 and s["jacobian_drop"] >= 2 and s["mse_increase"] < 0.10)
    passing = [r for r in res if r["sae"]["pass"]]
    chosen = max(passing, key=lambda r: r["sae"]["jacobian_drop"])["C"] if passing else None
    rows = []
    for r in res:
        s, t = r["sae"], r["torch"]
        rows.append([f"{r['C']:g}", f(s["jacobian_norm"], 3), f(s["jacobian_drop"], 2) + "x",
                     f(s["mse"], 5), f"{100 * s['mse_increase']:+.1f}%", f(s["map_jacobian_drop"], 2) + "x",
                     f(t["jacobian_norm"], 3), f(t["jacobian_drop"], 2) + "x", f(t["mse"], 5),
                     f"{100 * t['mse_increase']:+.1f}%", f(t["map_jacobian_drop"], 2) + "x",
                     f(s["train_seconds"], 1), f(t["train_seconds"], 1), "yes" if s["pass"] else "no"])
    md = table(f"3. Contractive: 784-{hidden} {act}, mse, {a.epochs} epochs, {len(D['train'])} training rows; "
               "test split (J: mean over rows of ||dh/dx||_F; map J: of ||dx^/dx||_F, first 500 rows)",
               ["C", "sae J", "sae J drop", "sae mse", "sae mse vs C=0", "sae map J drop", "torch J",
                "torch J drop", "torch mse", "torch mse vs C=0", "torch map J drop", "sae train s",
                "torch train s", "sae: drop >= 2x, mse < +10%"],
               rows)
    md += f"\nchosen C (the largest Jacobian drop that passes): {chosen}\n"
    return {"activation": act, "hidden": hidden, "rows": res, "chosen_C": chosen}, md


def exp_stacked(sae, a, D):
    hp = dict(lr=a.lr, batch=a.batch, weight_decay=a.weight_decay)
    E, Fe, S = a.stacked_epochs, a.stacked_finetune, a.stacked_supervised
    total = 2 * E + Fe + S
    x, y = D["test"], D["test_labels"]
    out = {}
    runs = [("stacked", ["--stacked", "--epochs", E, "--finetune-epochs", Fe, "--supervised-epochs", S]),
            ("random init", ["--epochs", -1, "--supervised-epochs", total])]
    for name, extra in runs:
        m = sae.path("clf_" + name.replace(" ", "_"))
        log(f"[stacked] sae train ({name})")
        tr = sae.train(m, D["clf_train_path"], "--labels", D["clf_labels_path"], "--layers", "256,128",
                       "--activation", "relu", "--sparsity", "l1", "--l1", "1e-4", "--loss", "mse", *extra, **hp)
        pp = sae.path(f"probs_{name.replace(' ', '_')}.npy")
        pr = sae.run("predict", "--model", m, "--data", D["test_path"], "--labels", D["test_labels_path"], "--out", pp)
        probs = np.load(pp)
        enc, _, head = sae_weights(m)
        out[name] = {"accuracy": pr["accuracy"], "accuracy_from_probs": float((probs.argmax(1) == y).mean()),
                     "accuracy_numpy_forward": float((predict_np(enc, head, "relu", x) == y).mean()),
                     "train_accuracy": tr.get("accuracy"), "train_seconds": tr["train_seconds"]}
    log("[stacked] torch twin (random init MLP)")
    tenc, thead, tsec = torch_twins.train_classifier(D["clf_train"], D["clf_labels"], layers=[256, 128],
                                                     activation="relu", classes=10, epochs=total, seed=a.seed, **hp)
    out["torch random init"] = {"accuracy": float((predict_np(tenc, thead, "relu", x) == y).mean()),
                                "train_seconds": tsec}
    out["pass_88"] = bool(out["stacked"]["accuracy"] >= 0.88)
    out["pretraining_beats_random"] = bool(out["stacked"]["accuracy"] > out["random init"]["accuracy"])
    rows = [
        ["sae stacked", f"{E}+{E} pretrain, {Fe} finetune, {S} supervised",
         f(100 * out["stacked"]["accuracy"], 2), f(100 * out["stacked"]["accuracy_from_probs"], 2),
         f(out["stacked"]["train_seconds"], 1)],
        ["sae random init", f"{total} supervised", f(100 * out["random init"]["accuracy"], 2),
         f(100 * out["random init"]["accuracy_from_probs"], 2), f(out["random init"]["train_seconds"], 1)],
        ["torch random init", f"{total} supervised", "", f(100 * out["torch random init"]["accuracy"], 2),
         f(out["torch random init"]["train_seconds"], 1)],
    ]
    md = table(f"4. Stacked with labels: 784-256-128 relu + softmax, {len(D['clf_train'])} training rows; "
               "test accuracy (%)", ["run", "epochs", "sae predict", "numpy", "train s"], rows)
    md += (f"\naccuracy >= 88%: {'yes' if out['pass_88'] else '**no**'}; "
           f"pre-training beats random init: {'yes' if out['pretraining_beats_random'] else 'no'}\n")
    return out, md


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sae", required=True, help="the sae binary")
    ap.add_argument("--work", default="/tmp/sae-variants", help="directory for data, models and outputs")
    ap.add_argument("--json-out", help="write the results as JSON here")
    ap.add_argument("--only", default="denoising,variational,contractive,stacked")
    ap.add_argument("--train-rows", type=int, default=20000, help="first N training rows (experiments 1-3)")
    ap.add_argument("--clf-rows", type=int, default=60000, help="first N training rows (experiment 4)")
    ap.add_argument("--epochs", type=int, default=20, help="epochs of experiments 1 and 3")
    ap.add_argument("--vae-epochs", type=int, default=30)
    ap.add_argument("--contractive", default="0.01,0.03,0.1,1", help="contractive coefficients tried besides 0")
    ap.add_argument("--contractive-activation", default="sigmoid", choices=["sigmoid", "tanh", "relu"],
                    help="hidden activation of the contractive experiment")
    ap.add_argument("--contractive-hidden", type=int, default=256, help="latents of the contractive experiment")
    ap.add_argument("--stacked-epochs", type=int, default=10, help="E: pre-training epochs per layer")
    ap.add_argument("--stacked-finetune", type=int, default=5, help="F: joint reconstruction epochs")
    ap.add_argument("--stacked-supervised", type=int, default=15, help="S: supervised epochs")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    a.contractive = [float(c) for c in a.contractive.split(",") if c]
    import torch
    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    sae = Sae(a.sae, a.work, a.seed, a.threads)

    train = load_images("train-images-idx3-ubyte.gz")
    train_y = load_labels("train-labels-idx1-ubyte.gz")
    D = {"train": train[:a.train_rows], "test": load_images("t10k-images-idx3-ubyte.gz"),
         "test_labels": load_labels("t10k-labels-idx1-ubyte.gz"),
         "clf_train": train[:a.clf_rows], "clf_labels": train_y[:a.clf_rows]}
    for k, name in [("train", "train.npy"), ("test", "test.npy"), ("test_labels", "test_labels.npy"),
                    ("clf_train", "clf_train.npy"), ("clf_labels", "clf_labels.npy")]:
        D[k + "_path"] = sae.path(name)
        np.save(D[k + "_path"], D[k])
    D["train_path"], D["test_path"] = sae.path("train.npy"), sae.path("test.npy")
    D["clf_train_path"], D["clf_labels_path"] = sae.path("clf_train.npy"), sae.path("clf_labels.npy")
    D["test_labels_path"] = sae.path("test_labels.npy")

    results = {"settings": {k: v for k, v in vars(a).items() if k not in ("sae",)}, "torch": torch.__version__}
    exps = {"denoising": exp_denoising, "variational": exp_variational, "contractive": exp_contractive,
            "stacked": exp_stacked}
    t0 = time.perf_counter()
    for name in a.only.split(","):
        r, md = exps[name](sae, a, D)
        results[name] = r
        print(md, flush=True)
    results["commands"] = COMMANDS
    results["seconds"] = time.perf_counter() - t0
    print(f"total {results['seconds']:.0f}s; sae commands in the JSON output (--json-out)")
    if a.json_out:
        with open(a.json_out, "w") as fo:
            json.dump(results, fo, indent=1)


if __name__ == "__main__":
    main()
