#!/bin/sh
# The flag sets tried in bench/adbench/README.md, each as median over model
# seeds 1..3 on the protocol's seed-1 split, one core for sae.
# Results go to $OUT (default /tmp/sae-adbench), one .json per config.
set -e
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/sae-adbench}"
mkdir -p "$OUT"
if [ -z "$SAE" ]; then
	go build -o "$OUT/sae" ./cmd/sae
	SAE="$OUT/sae"
fi
run() {
	label=$1
	shift
	/usr/bin/python3 bench/adbench/run.py --sae "$SAE" --threads 1 --repeat 3 \
		--label "$label" --json-out "$OUT/$label.json" "$@"
}
run default
run standard --sae-flags "--normalize standard"
run minmax --sae-flags "--normalize minmax"
run std-relu-l1 --sae-flags "--normalize standard --activation relu --sparsity l1 --l1 1e-4"
run std-e100 --sae-flags "--normalize standard --epochs 100"
run std-e100-lr3e-3 --sae-flags "--normalize standard --epochs 100 --lr 0.003"
run std-e100-noval --sae-flags "--normalize standard --epochs 100 --val-split 0 --patience 0"
run std-e100-none --sae-flags "--normalize standard --epochs 100 --sparsity none"
# Not a flag of the command: median/IQR scaling done in run.py (--prescale robust).
run robust --prescale robust
run robust-e100 --prescale robust --sae-flags "--epochs 100"
