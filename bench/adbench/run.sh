#!/bin/sh
# Anomaly detection on the ADBench protocol, sae beside scikit-learn's
# Isolation Forest. Builds ./cmd/sae (or uses $SAE if set) and runs run.py;
# the arguments are passed on, e.g.
#   bench/adbench/run.sh --repeat 3 --json-out /tmp/adbench.json
#   bench/adbench/run.sh --sae-flags "--normalize standard"
# Needs python3 with numpy and scikit-learn (Debian: python3-sklearn).
set -e
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$SAE" ]; then
	go build -o "$tmp/sae" ./cmd/sae
	SAE="$tmp/sae"
fi
/usr/bin/python3 bench/adbench/run.py --sae "$SAE" "$@"
