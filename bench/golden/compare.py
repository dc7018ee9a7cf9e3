#!/usr/bin/env python3
"""Hash and compare the outputs of bench/golden/run.sh (standard library only).

  compare.py manifest DIR        print "sha256  path" for every file, timing zeroed
  compare.py compare OLD NEW     compare two recorded directories

JSON files (CLI outputs, config.json) are hashed with the timing keys
(train_seconds, samples_per_second, peak_rss_mib, the demo's and the
probe's seconds) zeroed and keys sorted.
For a file that differs, compare prints the JSON keys whose values differ
(with both values and the relative difference of numbers), or, for .npy and
.safetensors files, each float tensor's largest absolute difference.
"""
import hashlib
import json
import os
import re
import struct
import sys

TIMING = {"train_seconds", "samples_per_second", "peak_rss_mib", "seconds", "code_seconds", "raw_seconds"}
# Timing in the demo's README.md.
TIMING_TEXT = re.compile(rb"in [0-9.]+ s \([0-9]+ samples/s\)")


def zero_timing(v):
    if isinstance(v, dict):
        return {k: (0 if k in TIMING else zero_timing(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [zero_timing(x) for x in v]
    return v


def load_json(path):
    with open(path) as f:
        text = f.read().strip()
    if not text:
        return None
    # CLI outputs end with one JSON object on the last line.
    return json.loads(text.splitlines()[-1] if not text.startswith("{\n") else text)


def digest(path):
    if path.endswith(".json"):
        try:
            v = load_json(path)
            b = json.dumps(zero_timing(v), sort_keys=True).encode()
            return hashlib.sha256(b).hexdigest()
        except ValueError:
            pass
    with open(path, "rb") as f:
        b = f.read()
    if path.endswith(".md"):
        b = TIMING_TEXT.sub(b"in T s (S samples/s)", b)
    return hashlib.sha256(b).hexdigest()


def files(root):
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            full = os.path.join(d, n)
            p = os.path.relpath(full, root)
            if p == "MANIFEST" or p.startswith("data/") or p.endswith(".log") or os.path.islink(full):
                continue
            out.append(p)
    return sorted(out)


def manifest(root):
    for p in files(root):
        print(digest(os.path.join(root, p)), p)


def floats_npy(path):
    with open(path, "rb") as f:
        b = f.read()
    hl = struct.unpack("<H", b[8:10])[0]
    head = b[10:10 + hl].decode()
    body = b[10 + hl:]
    if "'<f4'" in head:
        return {"": struct.unpack("<%df" % (len(body) // 4), body)}
    if "'<f8'" in head:
        return {"": struct.unpack("<%dd" % (len(body) // 8), body)}
    return {}


def floats_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    head = json.loads(b[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in head.items():
        if name == "__metadata__" or t["dtype"] != "F32":
            continue
        lo, hi = t["data_offsets"]
        out[name] = struct.unpack("<%df" % ((hi - lo) // 4), b[base + lo:base + hi])
    return out


def diff_json(a, b, path=""):
    lines = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in TIMING:
                continue
            if k not in a or k not in b:
                lines.append("  %s%s: %s -> %s" % (path, k, a.get(k, "(absent)"), b.get(k, "(absent)")))
            else:
                lines += diff_json(a[k], b[k], path + k + ".")
        return lines
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            lines += diff_json(x, y, path + "%d." % i)
        return lines
    if a != b:
        rel = ""
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a != 0:
            rel = "  (rel %.2e)" % (abs(b - a) / abs(a))
        lines.append("  %s: %r -> %r%s" % (path.rstrip("."), a, b, rel))
    return lines


def explain(pa, pb):
    if pa.endswith(".json"):
        try:
            return diff_json(load_json(pa), load_json(pb))
        except ValueError:
            pass
    if pa.endswith(".npy") or pa.endswith(".safetensors"):
        read = floats_npy if pa.endswith(".npy") else floats_safetensors
        ta, tb = read(pa), read(pb)
        lines = []
        for name in sorted(set(ta) | set(tb)):
            x, y = ta.get(name), tb.get(name)
            if x is None or y is None or len(x) != len(y):
                lines.append("  tensor %s: shapes differ" % name)
                continue
            m = max((abs(u - v) for u, v in zip(x, y)), default=0)
            scale = max((abs(u) for u in x), default=0)
            if m > 0:
                lines.append("  tensor %s: max |diff| %.3g (max |value| %.3g)" % (name or "data", m, scale))
        return lines
    with open(pa, errors="replace") as f:
        a = f.read()
    with open(pb, errors="replace") as f:
        b = f.read()
    return ["  old: " + a.strip().replace("\n", " | "), "  new: " + b.strip().replace("\n", " | ")]


def compare(old, new):
    fa, fb = set(files(old)), set(files(new))
    same = differ = 0
    for p in sorted(fa | fb):
        if p not in fa or p not in fb:
            print("ONLY IN %s: %s" % ("old" if p in fa else "new", p))
            differ += 1
            continue
        pa, pb = os.path.join(old, p), os.path.join(new, p)
        if digest(pa) == digest(pb):
            same += 1
            continue
        differ += 1
        print("DIFFERS: " + p)
        for line in explain(pa, pb):
            print(line)
    print("%d files identical, %d differ" % (same, differ))
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "manifest":
        manifest(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        print(__doc__)
        sys.exit(2)
