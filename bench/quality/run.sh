#!/bin/sh
# The quality table: every use of sae at its defaults beside its baseline, in
# one run. Builds ./cmd/sae (or uses $SAE) and runs run.py with
# /usr/bin/python3 (numpy, scikit-learn); arguments are passed on, e.g.
#   bench/quality/run.sh                          # everything (see README.md for the time)
#   bench/quality/run.sh --only anomaly --seeds 1
#   bench/quality/run.sh --only anomaly --dev     # development folds: what defaults are chosen on
#   bench/quality/run.sh --quick --only features,stacked,denoise
# Needs python3-sklearn and dataset-fashion-mnist (Debian), and ../shared/data
# for the anomaly and kl sections.
set -e
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$SAE" ]; then
	go build -o "$tmp/sae" ./cmd/sae
	SAE="$tmp/sae"
fi
/usr/bin/python3 bench/quality/run.py --sae "$SAE" "$@"
