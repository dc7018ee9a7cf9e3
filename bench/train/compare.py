"""Training throughput: sae beside PyTorch on the same data, model, objective,
epochs and thread count, run one after the other. Usage (from the repo root):

    /usr/bin/python3 bench/train/compare.py [--epochs 3] [--threads 2] [--repeat 3] [--precisions fp32,bf16]

Each round runs sae at each --precision, then PyTorch as installed, with
OpenBLAS's AVX-512 kernels named, and with bf16 autocast, one after the
other (seeds 1..repeat). Prints a table of samples/s (median of --repeat
runs), final loss and peak RSS, and sae's ratios to each PyTorch run and to
the fastest of them per round.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

FM = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def run(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--precisions", default="fp32,bf16",
                    help="sae train --precision values to run (bf16 needs AVX512_BF16 to be fast)")
    ap.add_argument("--stream", default="auto",
                    help="sae train --stream: auto (the default: this 188 MB float32 file is read a batch at a time) "
                         "or off (held in memory, as PyTorch holds it)")
    ap.add_argument("--json-out", default="", help="also write every run's JSON here")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp()
    sae = os.path.join(tmp, "sae")
    subprocess.run(["go", "build", "-o", sae, "./cmd/sae"], check=True, cwd=root)
    common = ["--hidden", str(a.hidden), "--batch", str(a.batch), "--epochs", str(a.epochs)]
    # Debian's PyTorch multiplies through OpenBLAS, which does not recognise
    # every CPU and may fall back to SSE3 kernels; the "avx512" run names its
    # AVX-512 kernels, and the "bf16" run adds autocast's bfloat16 products
    # (oneDNN), to compare with PyTorch at its best.
    # OMP_WAIT_POLICY=PASSIVE: on cores shared with other jobs, OpenMP's
    # spin-waiting makes PyTorch's 2 threads several times slower than 1.
    base_env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    tuned_env = dict(base_env, OPENBLAS_CORETYPE="Cooperlake")
    runners = {}
    for p in a.precisions.split(","):
        runners["sae " + p] = lambda seed, p=p: run([
            sae, "train", "--data", FM, "--out", os.path.join(tmp, "m"), *common,
            "--threads", str(a.threads), "--activation", "sigmoid", "--sparsity", "kl",
            "--rho", "0.05", "--beta", "3", "--weight-decay", "1e-4", "--lr", "1e-3",
            "--warmup", "0", "--decay", "none", "--val-split", "0", "--patience", "0",
            "--contamination", "0", "--normalize", "none", "--trim", "0", "--precision", p, "--stream", a.stream,
            "--seed", str(seed), "--json"])
    twin = lambda seed: ["/usr/bin/python3", os.path.join(root, "bench/train/torch_kl.py"),
                         "--data", FM, *common, "--threads", str(a.threads), "--seed", str(seed)]
    runners["pytorch"] = lambda seed: run(twin(seed), base_env)
    runners["pytorch avx512"] = lambda seed: run(twin(seed), tuned_env)
    runners["pytorch bf16"] = lambda seed: run(twin(seed) + ["--autocast"], tuned_env)
    res = {n: [] for n in runners}
    for i in range(a.repeat):
        for n, f in runners.items():
            res[n].append(f(i + 1))
        print(f"round {i + 1}: " + ", ".join(f"{n} {rs[-1]['samples_per_second']:.0f}/s" for n, rs in res.items()),
              flush=True)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)

    def med(n, k):
        return statistics.median(r[k] for r in res[n])
    print(f"KL sigmoid autoencoder 784 -> {a.hidden}, batch {a.batch}, {a.epochs} epochs, "
          f"{a.threads} threads, {a.repeat} runs each (medians); sae --stream {a.stream}")
    print(f"{'':15} {'samples/s':>10} {'final loss':>11} {'peak RSS MiB':>13}")
    for n, rs in res.items():
        rss = med(n, "peak_rss_mib") if "peak_rss_mib" in rs[0] else float("nan")
        print(f"{n:15} {med(n, 'samples_per_second'):10.0f} {med(n, 'final_loss'):11.4f} {rss:13.0f}")
    torch_names = [n for n in res if n.startswith("pytorch")]
    best = max(torch_names, key=lambda n: med(n, "samples_per_second"))
    for s in (n for n in res if n.startswith("sae")):
        for n in torch_names:
            print(f"{s} / {n}: speed {med(s, 'samples_per_second') / med(n, 'samples_per_second'):.2f}x, "
                  f"final loss ratio {med(s, 'final_loss') / med(n, 'final_loss'):.4f}"
                  + ("  (PyTorch at its best)" if n == best else ""))
        # Paired per round: the same round's runs, one after the other.
        paired = [res[s][i]["samples_per_second"] / max(res[n][i]["samples_per_second"] for n in torch_names)
                  for i in range(a.repeat)]
        print(f"{s} / PyTorch's fastest in each round: " + ", ".join(f"{x:.2f}x" for x in paired))
    if "sae fp32" in res:
        for s in (n for n in res if n.startswith("sae") and n != "sae fp32"):
            print(f"{s} / sae fp32: speed {med(s, 'samples_per_second') / med('sae fp32', 'samples_per_second'):.2f}x, "
                  f"final loss ratio {med(s, 'final_loss') / med('sae fp32', 'final_loss'):.5f}")


if __name__ == "__main__":
    main()
