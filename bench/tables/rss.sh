#!/bin/sh
# Peak resident memory of `sae train --stream on` on the same rows as .npy,
# Parquet, a datasets cache and safetensors shards, at two sizes (1 and 4
# copies of Fashion-MNIST's 60,000 training images): memory must not grow
# with the file. Usage: bench/tables/rss.sh [WORKDIR]
set -e
cd "$(dirname "$0")/../.."
work=${1:-/tmp/sae-bench-tables}
CGO_ENABLED=0 go build -o /tmp/sae-bench-tables-cli ./cmd/sae
for copies in 1 4; do
	go run ./bench/tables -out "$work/$copies" -copies "$copies" >/dev/null
	for f in x.npy x.parquet cache shards; do
		printf '%s copies=%s ' "$f" "$copies"
		/tmp/sae-bench-tables-cli train --data "$work/$copies/$f" --out "$work/model" --stream on --hidden 1024 \
			--batch 256 --epochs 1 --threads 2 --activation sigmoid --sparsity kl --rho 0.05 --beta 3 --weight-decay 1e-4 \
			--lr 1e-3 --warmup 0 --decay none --val-split 0 --patience 0 --contamination 0 --normalize none --trim 0 \
			--seed 1 --json --quiet | tail -1 | grep -o '"peak_rss_mib":[0-9.]*\|"train_seconds":[0-9.]*' | tr '\n' ' '
		echo
	done
done
