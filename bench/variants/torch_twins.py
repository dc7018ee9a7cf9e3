"""PyTorch twins of sae's autoencoder variants, for bench/variants/run.py.

Each twin reproduces what `sae train` does for the same flags:

- initialisation: every weight uniform in +-sqrt(6/(fan_in+fan_out+1)), every
  bias 0, and for the mse loss the output bias set to the training data's mean;
- objective per mini-batch: the mean over the batch's rows of the per-row loss
  (mse: 1/2 * squared error summed over features; bce: binary cross-entropy
  summed over features), plus the penalty terms (contractive, KL of the
  variational code), plus weight decay lambda/2 * ||W||^2 over weight matrices
  only (not biases), added to the loss (L2, not decoupled);
- Adam (beta1 0.9, beta2 0.999, eps 1e-8) at a constant learning rate;
- each epoch a fresh permutation of the rows, batches of `batch` rows, the
  last one smaller (no row dropped);
- denoising: each batch corrupted afresh (gaussian: x + N(0, s^2), not
  clipped; mask: each value zeroed with probability p, not rescaled), the loss
  against the clean batch.

Models are returned as plain numpy weights (W as [in, out], b as [out]) so
that run.py evaluates them with exactly the code it uses for sae's models.
"""

import math
import time

import numpy as np
import torch
import torch.nn.functional as F


def _act(name):
    return {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[name]


def _layer(fan_in, fan_out, gen):
    """A weight [in, out] drawn like sae's, and a zero bias."""
    r = math.sqrt(6.0 / (fan_in + fan_out + 1))
    w = (torch.rand(fan_in, fan_out, generator=gen) * 2 - 1) * r
    return [w.requires_grad_(), torch.zeros(fan_out, requires_grad=True)]


def _corrupt(xb, noise, gen):
    if not noise:
        return xb
    kind, p = noise.split(":")
    p = float(p)
    if kind == "gaussian":
        return xb + p * torch.randn(xb.shape, generator=gen)
    if kind == "mask":
        keep = torch.rand(xb.shape, generator=gen) >= p
        return xb * keep
    raise ValueError(noise)


def _jac_gain(activation, h):
    """act'(.)^2 written through the output h, as sae's contractive penalty:
    sigmoid (h(1-h))^2, tanh (1-h^2)^2, relu [h > 0] (no gradient through
    the indicator)."""
    if activation == "sigmoid":
        return (h * (1 - h)) ** 2
    if activation == "tanh":
        return (1 - h * h) ** 2
    return (h > 0).to(h.dtype)


def _to_numpy(layers):
    return [(w.detach().numpy().copy(), b.detach().numpy().copy()) for w, b in layers]


def _decay(layers, lam):
    if lam == 0:
        return 0.0
    return 0.5 * lam * sum((w * w).sum() for w, _ in layers)


def _batches(n, batch, gen):
    perm = torch.randperm(n, generator=gen)
    for lo in range(0, n, batch):
        yield perm[lo:lo + batch]


def train_autoencoder(x, *, layers, activation, loss, lr, batch, epochs, weight_decay,
                      noise="", contractive=0.0, seed=1, log=None):
    """A (deep) autoencoder: encoder widths `layers`, mirrored decoder,
    `activation` on every hidden layer, linear output (mse) or sigmoid (bce).
    contractive > 0 adds C * mean over rows of sum_j act'(h_j)^2 * sum_i W_ij^2
    for the (one-layer) encoder. Returns (enc, dec, seconds) with enc and dec
    lists of numpy (W [in,out], b)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    X = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    n, d = X.shape
    sizes = [d] + list(layers)
    enc = [_layer(sizes[i], sizes[i + 1], gen) for i in range(len(layers))]
    dec = [_layer(sizes[i + 1], sizes[i], gen) for i in reversed(range(len(layers)))]
    if loss == "mse":
        with torch.no_grad():
            dec[-1][1].copy_(X.mean(0))
    act = _act(activation)
    if contractive > 0 and len(layers) != 1:
        raise ValueError("the contractive twin is written for a one-layer encoder")
    params = [p for L in enc + dec for p in L]
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    t0 = time.perf_counter()
    for ep in range(epochs):
        total = 0.0
        for idx in _batches(n, batch, gen):
            xb = X[idx]
            inp = _corrupt(xb, noise, gen)
            h = inp
            for w, b in enc:
                h = act(h @ w + b)
            code = h
            for i, (w, b) in enumerate(dec):
                h = h @ w + b
                if i < len(dec) - 1:
                    h = act(h)
            if loss == "mse":
                rec = 0.5 * ((h - xb) ** 2).sum(1).mean()
            else:
                rec = F.binary_cross_entropy_with_logits(h, xb, reduction="none").sum(1).mean()
            obj = rec
            if contractive > 0:
                w = enc[0][0]
                g = _jac_gain(activation, code)
                obj = obj + contractive * (g * (w * w).sum(0)).sum(1).mean()
            obj = obj + _decay(enc + dec, weight_decay)
            opt.zero_grad(set_to_none=True)
            obj.backward()
            opt.step()
            total += float(obj) * len(idx)
        if log:
            log(f"  torch epoch {ep + 1}/{epochs}: loss {total / n:.4f}")
    secs = time.perf_counter() - t0
    return _to_numpy(enc), _to_numpy(dec), secs


def train_vae(x, *, hidden, code, activation, lr, batch, epochs, weight_decay, seed=1, log=None):
    """A variational autoencoder shaped like sae's `--variational --layers
    hidden,code --loss bce`: encoder d -> hidden (act) -> 2*code linear
    ([mean | log-variance] from one layer), decoder code -> hidden (act) -> d
    (Bernoulli: sigmoid). Loss per row: summed BCE + KL(N(mu, sigma^2) ||
    N(0, I)), one reparameterised sample per row per step."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    X = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    n, d = X.shape
    enc = [_layer(d, hidden, gen), _layer(hidden, 2 * code, gen)]
    dec = [_layer(code, hidden, gen), _layer(hidden, d, gen)]
    act = _act(activation)
    params = [p for L in enc + dec for p in L]
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    t0 = time.perf_counter()
    for ep in range(epochs):
        total = 0.0
        for idx in _batches(n, batch, gen):
            xb = X[idx]
            h = act(xb @ enc[0][0] + enc[0][1])
            ml = h @ enc[1][0] + enc[1][1]
            mu, lv = ml[:, :code], ml[:, code:]
            eps = torch.randn(mu.shape, generator=gen)
            z = mu + torch.exp(0.5 * lv) * eps
            u = act(z @ dec[0][0] + dec[0][1])
            logits = u @ dec[1][0] + dec[1][1]
            rec = F.binary_cross_entropy_with_logits(logits, xb, reduction="none").sum(1)
            kl = 0.5 * (mu * mu + torch.exp(lv) - lv - 1).sum(1)
            obj = (rec + kl).mean() + _decay(enc + dec, weight_decay)
            opt.zero_grad(set_to_none=True)
            obj.backward()
            opt.step()
            total += float(obj) * len(idx)
        if log:
            log(f"  torch epoch {ep + 1}/{epochs}: loss {total / n:.4f}")
    secs = time.perf_counter() - t0
    return _to_numpy(enc), _to_numpy(dec), secs


def train_classifier(x, y, *, layers, activation, classes, lr, batch, epochs, weight_decay, seed=1, log=None):
    """An MLP d -> layers... (act) -> classes (softmax), from sae's random
    initialisation, trained on the mean cross-entropy plus weight decay on
    every weight matrix (the head's included). Returns (layers, head, seconds)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    X = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    Y = torch.from_numpy(np.asarray(y, dtype=np.int64))
    n, d = X.shape
    sizes = [d] + list(layers)
    enc = [_layer(sizes[i], sizes[i + 1], gen) for i in range(len(layers))]
    head = _layer(sizes[-1], classes, gen)
    act = _act(activation)
    params = [p for L in enc + [head] for p in L]
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    t0 = time.perf_counter()
    for ep in range(epochs):
        total = 0.0
        for idx in _batches(n, batch, gen):
            h = X[idx]
            for w, b in enc:
                h = act(h @ w + b)
            logits = h @ head[0] + head[1]
            obj = F.cross_entropy(logits, Y[idx]) + _decay(enc + [head], weight_decay)
            opt.zero_grad(set_to_none=True)
            obj.backward()
            opt.step()
            total += float(obj) * len(idx)
        if log:
            log(f"  torch epoch {ep + 1}/{epochs}: loss {total / n:.4f}")
    secs = time.perf_counter() - t0
    return _to_numpy(enc), _to_numpy([head])[0], secs
