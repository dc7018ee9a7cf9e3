#!/usr/bin/env bash
# sae train at --precision fp32 and bf16 (and auto), alternating, on the
# KL sigmoid autoencoder of bench/train/compare.py: 784 -> 1024, batch 256,
# Fashion-MNIST, constant learning rate, 2 threads. Prints each run's
# samples/s, final loss and the precision it ran at (auto settled, from
# the model's config.json), then the medians and the ratios to fp32.
# Usage (from the repo root): bench/train/precision.sh [rounds] [epochs]
set -euo pipefail
rounds=${1:-3}
epochs=${2:-2}
fm=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/sae" ./cmd/sae
for r in $(seq "$rounds"); do
	for p in fp32 bf16 auto; do
		"$tmp/sae" train --data "$fm" --out "$tmp/m" --hidden 1024 --batch 256 --epochs "$epochs" \
			--activation sigmoid --sparsity kl --rho 0.05 --beta 3 --weight-decay 1e-4 --lr 1e-3 \
			--warmup 0 --decay none --val-split 0 --patience 0 --contamination 0 --normalize none \
			--trim 0 --seed 1 --threads 2 --precision "$p" --json | tail -1 |
			/usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); c=json.load(open('$tmp/m/config.json'))['config']; print('$p', round(r['samples_per_second']), r['final_loss'], 'ran', c.get('precision', 'fp32'))"
	done
done | tee "$tmp/runs"
/usr/bin/python3 - "$tmp/runs" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    p, s, l = line.split()[:3]
    runs.setdefault(p, []).append((float(s), float(l)))
med = {p: (statistics.median(s for s, _ in v), statistics.median(l for _, l in v)) for p, v in runs.items()}
for p, (s, l) in med.items():
    print(f"{p:5} {s:8.0f} samples/s  final loss {l:.5f}  speed {s / med['fp32'][0]:.2f}x fp32, loss {l / med['fp32'][1]:.5f}x")
PY
