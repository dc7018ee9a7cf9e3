"""Check a SAELens export against sae's own outputs, with numpy only.

Reads DIR/cfg.json and DIR/sae_weights.safetensors (a minimal safetensors
reader is below), encodes the raw rows of DATA as SAELens does

    x'    = x - b_dec * apply_b_dec_to_input
    pre   = x' @ W_enc + b_enc
    codes = relu(pre)                              standard
            relu of the k largest entries of pre   topk (the rest 0)
            relu(pre) where pre > threshold        jumprelu
    rec   = codes @ W_dec + b_dec

and a transcoder (transcoder, skip_transcoder, jumprelu_transcoder,
jumprelu_skip_transcoder: x' = x, codes relu or jumprelu's, and for the
skip ones rec += x @ W_skip.T) likewise, its REC.npy being sae
reconstruct's predictions of the target; in float64, and compares with CODES.npy (sae encode) and REC.npy (sae
reconstruct) of the same rows. Prints one JSON line; exits 1 if either max
abs difference exceeds --tol.

usage: check.py DIR DATA CODES.npy REC.npy [--tol 1e-4]
DATA: .npy (2-D) or an MNIST-style idx file, gzipped or not (pixels / 255).
"""
import gzip
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8 : 8 + n])
    buf = b[8 + n :]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        lo, hi = e["data_offsets"]
        if e["dtype"] == "BF16":
            u = np.frombuffer(buf[lo:hi], dtype="<u2").astype(np.uint32) << 16
            a = u.view(np.float32)
        else:
            a = np.frombuffer(buf[lo:hi], dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<"))
        out[name] = a.reshape(e["shape"]).astype(np.float64)
    return out


def read_data(path):
    if path.endswith(".npy"):
        return np.load(path).astype(np.float32)
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    x = np.frombuffer(raw[4 + 4 * ndim :], dtype=np.uint8).reshape(dims[0], -1)
    return x.astype(np.float32) / np.float32(255)


def encode(cfg, w, x):
    arch = cfg.get("architecture", "standard")
    apply = 1.0 if cfg.get("apply_b_dec_to_input", True) else 0.0
    if arch.endswith("transcoder"):
        apply, arch = 0.0, ("jumprelu" if arch.startswith("jumprelu_") else "standard")
    pre = (x - apply * w["b_dec"] if apply else x) @ w["W_enc"] + w["b_enc"]
    if arch == "standard":
        return np.maximum(pre, 0)
    if arch == "topk":
        k = cfg["k"] if "k" in cfg else cfg["activation_fn_kwargs"]["k"]
        idx = np.argpartition(-pre, k - 1, axis=1)[:, :k]
        codes = np.zeros_like(pre)
        np.put_along_axis(codes, idx, np.maximum(np.take_along_axis(pre, idx, axis=1), 0), axis=1)
        return codes
    if arch == "jumprelu":
        return np.maximum(pre, 0) * (pre > w["threshold"])
    raise SystemExit(f"architecture {arch!r} is not handled here")


def main():
    args = sys.argv[1:]
    tol = 1e-4
    if "--tol" in args:
        i = args.index("--tol")
        tol = float(args[i + 1])
        del args[i : i + 2]
    if len(args) != 4:
        raise SystemExit(__doc__)
    d, data, codes_path, rec_path = args
    cfg = json.load(open(d + "/cfg.json"))
    w = read_safetensors(d + "/sae_weights.safetensors")
    x = read_data(data).astype(np.float64)
    codes = encode(cfg, w, x)
    rec = codes @ w["W_dec"] + w["b_dec"]
    if "W_skip" in w:
        rec += x @ w["W_skip"].T
    sae_codes = np.load(codes_path).astype(np.float64)
    sae_rec = np.load(rec_path).astype(np.float64)
    dc = float(np.abs(codes - sae_codes).max())
    dr = float(np.abs(rec - sae_rec).max())
    res = {
        "rows": int(x.shape[0]),
        "d_in": int(cfg["d_in"]),
        "d_sae": int(cfg["d_sae"]),
        "architecture": cfg.get("architecture", "standard"),
        "max_abs_diff_codes": dc,
        "max_abs_diff_reconstructions": dr,
        "max_rel_diff_codes": float((np.abs(codes - sae_codes) / np.maximum(1, np.abs(sae_codes))).max()),
        "max_abs_code": float(np.abs(sae_codes).max()),
        "max_abs_reconstruction": float(np.abs(sae_rec).max()),
        "active_fraction": float((sae_codes > 0).mean()),
        "tol": tol,
        "ok": dc <= tol and dr <= tol,
    }
    print(json.dumps(res))
    sys.exit(0 if res["ok"] else 1)


if __name__ == "__main__":
    main()
