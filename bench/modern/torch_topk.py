"""A plain PyTorch TopK sparse autoencoder: the reference the modern-SAE
benchmarks compare `sae train --sparsity topk` with.

Model: pre = (x - b_dec) W_enc + b_enc; the k largest pre-activations of
each row are kept (relu'd), the rest zeroed; x_hat = code W_dec + b_dec,
computed densely (the code scattered into a [batch, latents] matrix and
multiplied, as a straightforward PyTorch implementation does).
Loss: mean over rows of ||x_hat - x||^2. Decoder rows kept at unit norm (the
gradient component parallel to each row removed before the step, rows
renormalised after it); W_dec rows start as random unit vectors and W_enc as
their transpose, b_enc at 0, b_dec at the data mean. Adam with a constant
learning rate; no AuxK, no dead-latent handling.

Prints one JSON line: samples_per_second, train_seconds and, on the training
rows, fvu, l0 and dead_fraction (latents that never fire on them).
--save-dec F writes the decoder rows [latents, d] as float32 .npy.
"""
import argparse, gzip, json, struct, time

import numpy as np
import torch


def load(path, rows):
    if path.endswith(".npy"):
        x = np.load(path).astype(np.float32)
    else:
        with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
            raw = f.read()
        ndim = raw[3]
        dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
        x = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims[0], -1)
        x = x.astype(np.float32) / 255.0
    if rows > 0:
        x = x[:rows]
    return np.ascontiguousarray(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--rows", type=int, default=0, help="use only the first N rows (0: all)")
    ap.add_argument("--hidden", type=int, required=True)
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save-dec", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = torch.from_numpy(load(a.data, a.rows))
    n, d = x.shape
    h, k = a.hidden, a.k
    w_dec = torch.randn(h, d)
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    w_enc = w_dec.t().clone().requires_grad_()
    w_dec.requires_grad_()
    b_enc = torch.zeros(h, requires_grad=True)
    b_dec = x.mean(0).clone().requires_grad_()
    opt = torch.optim.Adam([w_enc, b_enc, w_dec, b_dec], lr=a.lr)

    def encode(xb):
        pre = (xb - b_dec) @ w_enc + b_enc
        val, idx = pre.topk(k, dim=1)
        return torch.zeros_like(pre).scatter(1, idx, val.relu())

    start = time.perf_counter()
    for _ in range(a.epochs):
        perm = torch.randperm(n)
        for lo in range(0, n, a.batch):
            xb = x[perm[lo:lo + a.batch]]
            code = encode(xb)
            xh = code @ w_dec + b_dec
            loss = ((xh - xb) ** 2).sum(1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            with torch.no_grad():
                g = w_dec.grad
                g -= (g * w_dec).sum(1, keepdim=True) * w_dec
            opt.step()
            with torch.no_grad():
                w_dec /= w_dec.norm(dim=1, keepdim=True)
    secs = time.perf_counter() - start

    with torch.no_grad():
        sse, fired, active = 0.0, torch.zeros(h, dtype=torch.bool), 0
        for lo in range(0, n, 4096):
            xb = x[lo:lo + 4096]
            code = encode(xb)
            xh = code @ w_dec + b_dec
            sse += float(((xh - xb) ** 2).sum())
            nz = code > 1e-6
            fired |= nz.any(0)
            active += int(nz.sum())
        sst = float(((x - x.mean(0)) ** 2).sum())
    if a.save_dec:
        np.save(a.save_dec, w_dec.detach().numpy().astype(np.float32))
    print(json.dumps({
        "samples_per_second": n * a.epochs / secs, "train_seconds": secs,
        "fvu": sse / sst, "l0": active / n, "dead_fraction": 1 - float(fired.float().mean()),
        "hidden": h, "k": k, "epochs": a.epochs, "batch": a.batch, "lr": a.lr,
    }))


if __name__ == "__main__":
    main()
