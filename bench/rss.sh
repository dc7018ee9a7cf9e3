#!/bin/sh
# Peak resident memory of training, beside the bytes the training state
# needs (parameters, Adam's moments, the gradient, one batch's buffers):
# first in a program holding only the library (bench/rss, static), then the
# sae command line on the same run, built static and as plain `go build`
# builds it. One autoencoder is trained (--ensemble 1 --neighbours -1): the
# anomaly detector's defaults add two more and the neighbour samples, about
# 60 MiB on this run. Extra arguments go to bench/rss.
set -e
cd "$(dirname "$0")/.."
FM=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
CGO_ENABLED=0 go build -o /tmp/sae-bench-rss ./bench/rss
CGO_ENABLED=0 go build -o /tmp/sae-bench-cli ./cmd/sae
# As plain `go build` makes it: where a C compiler is found, net links the
# C library for its DNS resolver and the binary is dynamic.
go build -o /tmp/sae-bench-cli-default ./cmd/sae
echo "library (bench/rss):"
/tmp/sae-bench-rss -data "$FM" "$@"
for cli in /tmp/sae-bench-cli /tmp/sae-bench-cli-default; do
	if [ "$cli" = /tmp/sae-bench-cli ]; then echo "sae train (CGO_ENABLED=0, static):"; else echo "sae train (go build as is, CGO_ENABLED=$(go env CGO_ENABLED)):"; fi
	"$cli" train --data "$FM" --out /tmp/sae-bench-rss-model --hidden 1024 --batch 256 --epochs 1 \
		--threads 2 --activation sigmoid --sparsity kl --rho 0.05 --beta 3 --weight-decay 1e-4 --lr 1e-3 \
		--warmup 0 --decay none --val-split 0 --patience 0 --contamination 0 --normalize none --trim 0 \
		--ensemble 1 --neighbours -1 --seed 1 --json --quiet | tail -1
done
