#!/usr/bin/env bash
# SAELens export check: train a 784 -> 256 model on Fashion-MNIST with
# --normalize standard (relu + L1 unless SPARSITY says otherwise; the
# normalisation makes the folding matter), export it as SAELens files,
# and check with numpy alone (check.py) that the exported weights applied to
# the raw test images give sae encode's codes and sae reconstruct's
# reconstructions to 1e-4. Needs Debian's dataset-fashion-mnist.
# SPARSITY=topk or batchtopk (with K, default 32) or jumprelu checks those
# codes instead (exported as SAELens topk, jumprelu and jumprelu).
set -euo pipefail
cd "$(dirname "$0")/../.."
FM=/usr/share/datasets/fashion-mnist
EPOCHS=${EPOCHS:-5}
HIDDEN=${HIDDEN:-256}
SPARSITY=${SPARSITY:-l1}
case $SPARSITY in
  l1) codeflags=(--activation relu --sparsity l1 --l1 1e-3) ;;
  topk | batchtopk) codeflags=(--sparsity "$SPARSITY" --k "${K:-32}") ;;
  jumprelu) codeflags=(--sparsity jumprelu) ;;
  *) echo "SPARSITY must be l1, topk, batchtopk or jumprelu" >&2; exit 2 ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/sae" ./cmd/sae
"$out/sae" train --data $FM/train-images-idx3-ubyte.gz --out "$out/m" --hidden "$HIDDEN" \
  "${codeflags[@]}" --normalize standard --epochs "$EPOCHS" --seed 1 --json > "$out/train.json"
/usr/bin/python3 - "$out/train.json" "$HIDDEN $SPARSITY" <<'PY'
import json, sys
t = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print("trained 784 -> %s, standard normalisation: %d epochs in %.1fs, fvu %.4f, l0 %.1f"
      % (sys.argv[2], t["epochs"], t["train_seconds"], t["fvu"], t["l0"]))
PY
"$out/sae" export --model "$out/m" --format saelens --out "$out/saelens"
test=$FM/t10k-images-idx3-ubyte.gz
"$out/sae" encode --model "$out/m" --data $test --out "$out/codes.npy" >/dev/null
"$out/sae" reconstruct --model "$out/m" --data $test --out "$out/rec.npy" >/dev/null
/usr/bin/python3 bench/saelens/check.py "$out/saelens" $test "$out/codes.npy" "$out/rec.npy" --tol "${TOL:-1e-4}"
