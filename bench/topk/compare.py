"""sae's TopK training step beside PyTorch's, in one run. Usage (from the
repo root):

    /usr/bin/python3 bench/topk/compare.py [--rounds 3] [--steps 5] [--variants bag,bag-bf16] [--precisions fp32,bf16] [--base main]

Each round runs, one after the other, sae's BenchmarkTopKStep at 768 ->
12288, k 32, batch 1024, without AuxK (internal/nn/bench_test.go: forward,
sparse backward, unit-norm constraint, Adam) at each of --precisions (bf16:
the encoder's product with bfloat16 operands and float32 sums) and torch_step.py's variants
on the same shapes and step (dense: a dense decode; bag: F.embedding_bag
sparse decode; bag-bf16: bag with the encoder product under bf16
autocast), 2 threads, OMP_WAIT_POLICY=PASSIVE, OpenBLAS told its AVX-512
kernels (OPENBLAS_CORETYPE=Cooperlake; Debian's OpenBLAS misdetects some
CPUs and falls back to SSE3). Prints per round and as medians samples/s
and CPU milliseconds per step (both cores' time: on a machine shared
with other jobs it moves less than the wall time), and sae's ratio to
each variant. --base REV adds the same benchmark built from git revision
REV, with this tree's benchmark file (before/after in the same run).
"""
import argparse, json, os, re, shutil, statistics, subprocess, tempfile

SHAPE = "768x12288/k=32/B=1024/aux=false"


def sae_step(binary, steps, threads, precision):
    shape = SHAPE + "/" + precision
    out = subprocess.run([binary, "-test.run", "^$", "-test.bench", "BenchmarkTopKStep/" + shape + "$",
                          "-test.benchtime", f"{steps}x", "-test.cpu", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if shape in line:
            m = re.search(r"([0-9.]+) cpu-ms/op", line)  # older revisions lack it
            cpu = float(m.group(1)) if m else float("nan")
            rate = float(re.search(r"([0-9.]+) samples/s", line).group(1))
            return {"samples_per_second": rate, "cpu_ms_per_step": cpu}
    raise SystemExit("no benchmark line in:\n" + out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--variants", default="bag,bag-bf16")
    ap.add_argument("--json-out", default="", help="also write every run's figures here")
    ap.add_argument("--precisions", default="fp32,bf16", help="sae's products: fp32, bf16 (Spec.BF16)")
    ap.add_argument("--base", default="", help="also time BenchmarkTopKStep built from this git revision")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp()
    binary = os.path.join(tmp, "nn.test")
    subprocess.run(["go", "test", "-c", "-o", binary, "./internal/nn"], check=True, cwd=root)
    precisions = a.precisions.split(",")
    sae_binaries = {"sae": binary}
    if a.base:
        src = os.path.join(tmp, "base")
        os.mkdir(src)
        subprocess.run(f"git archive {a.base} | tar -x -C {src}", shell=True, check=True, cwd=root)
        # The same harness (this tree's benchmark and its CPU clock) around
        # the revision's code.
        for f in ("bench_test.go", "cputime_unix_test.go", "cputime_other_test.go"):
            shutil.copy(os.path.join(root, "internal/nn", f), os.path.join(src, "internal/nn", f))
        sae_binaries["sae " + a.base] = os.path.join(tmp, "base.test")
        subprocess.run(["go", "test", "-c", "-o", sae_binaries["sae " + a.base], "./internal/nn"], check=True, cwd=src)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OPENBLAS_CORETYPE="Cooperlake")
    variants = a.variants.split(",")
    res = {f"{n} {p}": [] for n in sae_binaries for p in precisions}
    res.update({v: [] for v in variants})
    for r in range(a.rounds):
        for n, b in sae_binaries.items():
            for p in precisions:
                res[f"{n} {p}"].append(sae_step(b, a.steps, a.threads, p))
        for v in variants:
            out = subprocess.run(["/usr/bin/python3", os.path.join(root, "bench/topk/torch_step.py"),
                                  "--variant", v, "--steps", str(a.steps), "--repeat", "1",
                                  "--threads", str(a.threads)],
                                 check=True, capture_output=True, text=True, env=env).stdout
            res[v].append(json.loads(out.strip().splitlines()[-1]))
        print(f"round {r + 1}: " + ", ".join(
            f"{n} {rs[-1]['samples_per_second']:.0f}/s {rs[-1]['cpu_ms_per_step']:.0f} cpu-ms" for n, rs in res.items()),
            flush=True)
    med = lambda n, key: statistics.median(x[key] for x in res[n])
    print(f"TopK step 768 -> 12288, k 32, batch 1024, {a.threads} threads, {a.rounds} rounds of "
          f"{a.steps} steps (medians)")
    for ours in (f"sae {p}" for p in precisions):
        print(f"{'':22} {'samples/s':>10} {'cpu-ms/step':>12} {ours + ' speed-up':>18} {'cpu ratio':>10}")
        for n in res:
            s = med(n, "samples_per_second")
            c = med(n, "cpu_ms_per_step")
            name = n if n.startswith("sae") else "pytorch " + n
            print(f"{name:22} {s:10.0f} {c:12.0f} {med(ours, 'samples_per_second') / s:17.2f}x "
                  f"{c / med(ours, 'cpu_ms_per_step'):9.2f}x")
        # Paired: each round's sae run against that round's fastest PyTorch.
        paired = [res[ours][i]["samples_per_second"] / max(res[v][i]["samples_per_second"] for v in variants)
                  for i in range(a.rounds)]
        print(f"{ours} / PyTorch's fastest in each round: " + ", ".join(f"{x:.2f}x" for x in paired))
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
