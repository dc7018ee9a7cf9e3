"""PyTorch's TopK training step, the peer of sae's BenchmarkTopKStep
(internal/nn/bench_test.go): the same shapes, data and step.

Rows: random normal [batch, d]. Model: pre = (x - b_dec) W_enc + b_enc,
the k largest pre-activations of each row kept (relu'd), x_hat = decode +
b_dec, loss = mean over rows of 1/2 ||x_hat - x||^2, decoder rows at unit
norm (the gradient's radial part removed before Adam, rows renormalised
after), Adam at 1e-3, no AuxK. Variants (--variant):

  dense    the code scattered into [batch, latents] and multiplied by W_dec
  bag      F.embedding_bag(idx, W_dec, per_sample_weights=val, mode="sum"):
           the sparse decode
  bag-bf16 bag, with the encoder's product under
           torch.autocast(device_type="cpu", dtype=torch.bfloat16)

Prints one JSON line: samples_per_second (median over --repeat timings of
--steps steps each, after --warmup steps) and cpu_ms_per_step (process CPU
time per step, median), and the final loss.
"""
import argparse, json, statistics, time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=["dense", "bag", "bag-bf16"], default="bag")
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--hidden", type=int, default=12288)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    d, h, k, B = a.d, a.hidden, a.k, a.batch
    x = torch.randn(B, d)
    w_dec = torch.randn(h, d)
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    w_enc = w_dec.t().clone().requires_grad_()
    w_dec.requires_grad_()
    b_enc = torch.zeros(h, requires_grad=True)
    b_dec = torch.zeros(d, requires_grad=True)
    opt = torch.optim.Adam([w_enc, b_enc, w_dec, b_dec], lr=1e-3)
    offsets = torch.arange(0, B * k, k)

    def step():
        xc = x - b_dec
        if a.variant == "bag-bf16":
            with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                pre = xc @ w_enc
            pre = pre.float() + b_enc
        else:
            pre = xc @ w_enc + b_enc
        val, idx = pre.topk(k, dim=1)
        val = val.relu()
        if a.variant == "dense":
            xh = torch.zeros_like(pre).scatter(1, idx, val) @ w_dec + b_dec
        else:
            xh = F.embedding_bag(idx.reshape(-1), w_dec, offsets, mode="sum",
                                 per_sample_weights=val.reshape(-1)) + b_dec
        loss = 0.5 * ((xh - x) ** 2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            g = w_dec.grad
            g -= (g * w_dec).sum(1, keepdim=True) * w_dec
        opt.step()
        with torch.no_grad():
            w_dec.div_(w_dec.norm(dim=1, keepdim=True))
        return float(loss)

    for _ in range(a.warmup):
        step()
    rates, cpus = [], []
    for _ in range(a.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(a.steps):
            loss = step()
        t1, c1 = time.perf_counter(), time.process_time()
        rates.append(B * a.steps / (t1 - t0))
        cpus.append((c1 - c0) * 1e3 / a.steps)
    print(json.dumps({"variant": a.variant, "samples_per_second": statistics.median(rates),
                      "cpu_ms_per_step": statistics.median(cpus), "loss": loss,
                      "d": d, "hidden": h, "k": k, "batch": B, "threads": a.threads}))


if __name__ == "__main__":
    main()
