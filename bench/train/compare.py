"""Training throughput: sae beside PyTorch on the same data, model, objective,
epochs and thread count, run one after the other. Usage (from the repo root):

    /usr/bin/python3 bench/train/compare.py [--epochs 3] [--threads 2] [--repeat 3]

Prints a table of samples/s (median of --repeat runs), final loss and peak RSS,
and the ratio sae/PyTorch.
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
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp()
    sae = os.path.join(tmp, "sae")
    subprocess.run(["go", "build", "-o", sae, "./cmd/sae"], check=True, cwd=root)
    common = ["--hidden", str(a.hidden), "--batch", str(a.batch), "--epochs", str(a.epochs)]
    ours, theirs, tuned = [], [], []
    # Debian's PyTorch multiplies through OpenBLAS, which does not recognise
    # this CPU and falls back to SSE3 kernels; the tuned run names its
    # AVX-512 kernels, to compare with PyTorch at its best too.
    # OMP_WAIT_POLICY=PASSIVE: on cores shared with other jobs, OpenMP's
    # spin-waiting makes PyTorch's 2 threads several times slower than 1.
    base_env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    tuned_env = dict(base_env, OPENBLAS_CORETYPE="Cooperlake")
    for i in range(a.repeat):
        ours.append(run([
            sae, "train", "--data", FM, "--out", os.path.join(tmp, "m"), *common,
            "--threads", str(a.threads), "--activation", "sigmoid", "--sparsity", "kl",
            "--rho", "0.05", "--beta", "3", "--weight-decay", "1e-4", "--lr", "1e-3",
            "--warmup", "0", "--decay", "none", "--val-split", "0", "--patience", "0",
            "--contamination", "0", "--normalize", "none", "--trim", "0", "--seed", str(i + 1), "--json"]))
        twin = ["/usr/bin/python3", os.path.join(root, "bench/train/torch_kl.py"),
                "--data", FM, *common, "--threads", str(a.threads), "--seed", str(i + 1)]
        theirs.append(run(twin, base_env))
        tuned.append(run(twin, tuned_env))
    def med(rs, k):
        return statistics.median(r[k] for r in rs)
    print(f"KL sigmoid autoencoder 784 -> {a.hidden}, batch {a.batch}, {a.epochs} epochs, "
          f"{a.threads} threads, {a.repeat} runs each (medians)")
    print(f"{'':15} {'samples/s':>10} {'final loss':>11} {'peak RSS MiB':>13}")
    for name, rs in (("sae", ours), ("pytorch", theirs), ("pytorch+avx512", tuned)):
        rss = med(rs, "peak_rss_mib") if "peak_rss_mib" in rs[0] else float("nan")
        print(f"{name:15} {med(rs, 'samples_per_second'):10.0f} {med(rs, 'final_loss'):11.4f} {rss:13.0f}")
    for name, rs in (("pytorch", theirs), ("pytorch+avx512", tuned)):
        print(f"sae / {name}: speed {med(ours, 'samples_per_second') / med(rs, 'samples_per_second'):.2f}x, "
              f"final loss ratio {med(ours, 'final_loss') / med(rs, 'final_loss'):.4f}")


if __name__ == "__main__":
    main()
