"""PyTorch's matmul as a peer of bench/gemm, timed on request.

bench/gemm starts this script and speaks a line protocol on its stdin and
stdout, so that PyTorch's samples alternate with ours in one run:

    shape M N K TA TB   ->  ready      (operands of C = op(A) . op(B), TA/TB 0|1,
                                        random, as float32 and as bfloat16)
    time fp32 CALLS     ->  SECONDS    (CALLS products of the float32 tensors)
    time bf16 CALLS     ->  SECONDS    (CALLS products of the bfloat16 tensors:
                                        oneDNN's bf16 GEMM, no conversion timed)
    time autocast CALLS ->  SECONDS    (float32 tensors under
                                        torch.autocast("cpu", torch.bfloat16):
                                        converts the operands in every call)
    quit

Transposed operands are views (tensor.t()), as a training step has them.
Threads: --threads N (torch.set_num_threads); run it with
OMP_WAIT_POLICY=PASSIVE so that its threads sleep between requests.
"""

import argparse
import sys
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    ops = {}
    out = sys.stdout
    out.write("torch %s, %d threads, bf16 %s\n" % (
        torch.__version__, torch.get_num_threads(),
        torch.backends.mkldnn.is_available()))
    out.flush()
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        if f[0] == "quit":
            return
        if f[0] == "shape":
            m, n, k, ta, tb = (int(x) for x in f[1:6])
            a = torch.rand(k, m) - 0.5 if ta else torch.rand(m, k) - 0.5
            b = torch.rand(n, k) - 0.5 if tb else torch.rand(k, n) - 0.5
            a16, b16 = a.bfloat16(), b.bfloat16()
            if ta:
                a, a16 = a.t(), a16.t()
            if tb:
                b, b16 = b.t(), b16.t()

            def autocast(a=a, b=b):
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return torch.matmul(a, b)

            ops = {
                "fp32": lambda a=a, b=b: torch.matmul(a, b),
                "bf16": lambda a=a16, b=b16: torch.matmul(a, b),
                "autocast": autocast,
            }
            for op in ops.values():
                op()
            out.write("ready\n")
        elif f[0] == "time":
            op, calls = ops[f[1]], int(f[2])
            t = time.perf_counter()
            for _ in range(calls):
                op()
            out.write("%.9f\n" % (time.perf_counter() - t))
        else:
            out.write("error: unknown request %r\n" % line)
        out.flush()


if __name__ == "__main__":
    main()
