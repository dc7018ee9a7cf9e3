#!/usr/bin/env bash
# Issue 4's side-by-side benchmark: each autoencoder variant trained by sae and
# by a PyTorch twin on the same Fashion-MNIST rows, evaluated the same way.
# See README.md. Extra arguments go to run.py, e.g.
#   bench/variants/run.sh --json-out /tmp/variants.json --only denoising,variational
# WORK (default /tmp/sae-variants) keeps the data, the models and the outputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
FM=/usr/share/datasets/fashion-mnist
if [ ! -f $FM/train-images-idx3-ubyte.gz ]; then
  echo "needs Debian's dataset-fashion-mnist ($FM)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/sae" ./cmd/sae
# OpenMP threads spinning on shared cores slow torch down many times over.
export OMP_WAIT_POLICY=PASSIVE
exec_py=/usr/bin/python3
"$exec_py" bench/variants/run.py --sae "$tmp/sae" --work "${WORK:-/tmp/sae-variants}" "$@"
