"""TopK dictionaries trained with bfloat16 products beside float32: the
quality side of `--precision bf16`. Usage (from the repository root):

    /usr/bin/python3 bench/topk/precision.py [--seeds 3] [--synth-epochs 30] [--wide-epochs 4] [--json-out F]

Two trainings, each at --precision fp32 and bf16 with the same seed, one
after the other, for seeds 1..--seeds:

superposition: bench/modern's synthetic ground truth (synth.py gen: 100,000
               rows, 256 dimensions, 512 unit-norm features in
               superposition), 1024 latents, k 8, batch 512, sae's topk
               defaults; MMCS, features recovered at cosine > 0.9, FVU.
wide:          768 -> 12288, k 32, batch 1024 (the throughput shape), on
               bench/modern's 16,384 synthetic 768-dimensional rows,
               constant learning rate; FVU on the training rows, samples/s.

Prints per seed and as medians, and bf16's differences from fp32 (FVU as
a ratio, MMCS as a difference).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench", "modern"))
import run as modern  # noqa: E402  (bench/modern/run.py: sae_train, score)

PRECISIONS = ("fp32", "bf16")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--synth-epochs", type=int, default=30)
    ap.add_argument("--wide-epochs", type=int, default=4)
    ap.add_argument("--json-out")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    sae = os.path.join(tmp, "sae")
    subprocess.run(["go", "build", "-o", sae, "./cmd/sae"], check=True, cwd=ROOT)
    synth = os.path.join(tmp, "synth")
    modern.run([modern.PY, os.path.join(ROOT, "bench/modern/synth.py"), "gen", "--out", synth])
    wide = os.path.join(tmp, "wide")
    modern.run([modern.PY, os.path.join(ROOT, "bench/modern/synth.py"), "gen", "--out", wide, "--n", "16384",
                "--d", "768", "--features", "16384", "--active", "32"])
    res = {"superposition": {p: [] for p in PRECISIONS}, "wide": {p: [] for p in PRECISIONS}}
    for seed in range(1, a.seeds + 1):
        for p in PRECISIONS:
            m = os.path.join(tmp, "m")
            r = modern.sae_train(sae, os.path.join(synth, "data.npy"), m, 1024, 8, 512, a.synth_epochs,
                                 ("--precision", p, "--seed", str(seed)))
            r.update(modern.score(os.path.join(synth, "features.npy"), os.path.join(m, "model.safetensors")))
            res["superposition"][p].append(r)
            r = modern.sae_train(sae, os.path.join(wide, "data.npy"), m, 12288, 32, 1024, a.wide_epochs,
                                 ("--decay", "none", "--precision", p, "--seed", str(seed)))
            res["wide"][p].append(r)
        s, w = res["superposition"], res["wide"]
        print(f"seed {seed}: superposition MMCS fp32 {s['fp32'][-1]['mmcs']:.4f} bf16 {s['bf16'][-1]['mmcs']:.4f}, "
              f"FVU {s['fp32'][-1]['fvu']:.5f} / {s['bf16'][-1]['fvu']:.5f}; wide FVU {w['fp32'][-1]['fvu']:.5f} / "
              f"{w['bf16'][-1]['fvu']:.5f}, samples/s {w['fp32'][-1]['samples_per_second']:.0f} / "
              f"{w['bf16'][-1]['samples_per_second']:.0f}", flush=True)
    med = lambda group, p, k: statistics.median(r[k] for r in res[group][p])
    print(f"\nsuperposition (1024 latents, k 8, {a.synth_epochs} epochs) and wide (768 -> 12288, k 32, "
          f"{a.wide_epochs} epochs), {a.seeds} seeds, medians")
    print(f"{'':6} {'MMCS':>7} {'recovered':>10} {'FVU':>8} {'wide FVU':>9} {'wide samples/s':>15}")
    for p in PRECISIONS:
        print(f"{p:6} {med('superposition', p, 'mmcs'):7.4f} {med('superposition', p, 'recovered'):10.1%} "
              f"{med('superposition', p, 'fvu'):8.5f} {med('wide', p, 'fvu'):9.5f} "
              f"{med('wide', p, 'samples_per_second'):15.0f}")
    d_mmcs = [b["mmcs"] - f["mmcs"] for f, b in zip(res["superposition"]["fp32"], res["superposition"]["bf16"])]
    r_fvu = [b["fvu"] / f["fvu"] for f, b in zip(res["wide"]["fp32"], res["wide"]["bf16"])]
    r_sfvu = [b["fvu"] / f["fvu"] for f, b in zip(res["superposition"]["fp32"], res["superposition"]["bf16"])]
    print("bf16 - fp32 MMCS per seed: " + ", ".join(f"{x:+.4f}" for x in d_mmcs))
    print("bf16 / fp32 FVU per seed, superposition: " + ", ".join(f"{x:.4f}" for x in r_sfvu)
          + "; wide: " + ", ".join(f"{x:.4f}" for x in r_fvu))
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
