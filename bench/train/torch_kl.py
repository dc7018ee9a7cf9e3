"""The PyTorch twin of `sae train` for the training-throughput comparison.

Same model and objective as sae's: sigmoid encoder, linear decoder (untied),
loss = mean over rows of 1/2 ||x_hat - x||^2 + beta * sum_j KL(rho || rho_hat_j)
+ wd/2 * (||W_enc||^2 + ||W_dec||^2); same initialisation (weights uniform in
+-sqrt(6/(d+h+1)), encoder bias 0, decoder bias the data mean); Adam with a
constant learning rate; per-epoch shuffling. With --autocast the training
step runs under torch.autocast(device_type="cpu", dtype=torch.bfloat16)
(bfloat16 products, float32 weights and optimiser), PyTorch's mixed
precision. Prints one JSON line.
"""
import argparse, gzip, json, math, resource, struct, sys, time

import numpy as np
import torch


def load_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    x = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims[0], -1)
    return (x.astype(np.float32) / 255.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--rho", type=float, default=0.05)
    ap.add_argument("--beta", type=float, default=3.0)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--autocast", action="store_true", help="bf16 autocast in the training step")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = torch.from_numpy(load_idx(a.data))
    n, d = x.shape
    h = a.hidden
    r = math.sqrt(6.0 / (d + h + 1))
    w_enc = ((torch.rand(d, h) * 2 - 1) * r).requires_grad_()
    b_enc = torch.zeros(h, requires_grad=True)
    w_dec = ((torch.rand(h, d) * 2 - 1) * r).requires_grad_()
    b_dec = x.mean(0).clone().requires_grad_()
    params = [w_enc, b_enc, w_dec, b_dec]
    opt = torch.optim.Adam(params, lr=a.lr)
    rho = a.rho

    def objective(xb):
        act = torch.sigmoid(xb @ w_enc + b_enc)
        xh = act @ w_dec + b_dec
        rec = 0.5 * ((xh - xb) ** 2).sum() / xb.shape[0]
        rh = act.mean(0).clamp(1e-6, 1 - 1e-6)
        kl = (rho * torch.log(rho / rh) + (1 - rho) * torch.log((1 - rho) / (1 - rh))).sum()
        wd = 0.5 * a.weight_decay * ((w_enc ** 2).sum() + (w_dec ** 2).sum())
        return rec + a.beta * kl + wd

    start = time.perf_counter()
    for _ in range(a.epochs):
        perm = torch.randperm(n)
        for lo in range(0, n, a.batch):
            xb = x[perm[lo:lo + a.batch]]
            opt.zero_grad(set_to_none=True)
            if a.autocast:
                with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                    loss = objective(xb)
            else:
                loss = objective(xb)
            loss.backward()
            opt.step()
    secs = time.perf_counter() - start
    with torch.no_grad():
        # Full-data objective of the final weights (rates over all rows).
        act = torch.sigmoid(x @ w_enc + b_enc)
        xh = act @ w_dec + b_dec
        rec = 0.5 * ((xh - x) ** 2).sum() / n
        rh = act.mean(0).clamp(1e-6, 1 - 1e-6)
        kl = (rho * torch.log(rho / rh) + (1 - rho) * torch.log((1 - rho) / (1 - rh))).sum()
        wd = 0.5 * a.weight_decay * ((w_enc ** 2).sum() + (w_dec ** 2).sum())
        final = float(rec + a.beta * kl + wd)
    print(json.dumps({
        "peer": "pytorch " + torch.__version__ + (" bf16 autocast" if a.autocast else ""), "epochs": a.epochs, "train_seconds": secs,
        "samples_per_second": n * a.epochs / secs, "final_loss": final,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
