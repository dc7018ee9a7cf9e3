#!/usr/bin/env bash
# --target-l0 on Fashion-MNIST: 784 -> 256 relu latents trained on the
# 60,000 training images with --target-l0 20 and --sparsity l1, kl and
# jumprelu (every other setting at its default), then evaluated on the
# 10,000 held-out test images. Prints, per penalty, the target, the
# held-out l0 and its distance from the target, the held-out fvu, the
# coefficient the controller ended with and the training time.
#
#   bench/targetl0/run.sh                 # all three, target 20
#   TARGET=10 SPARSITY="l1 jumprelu" bench/targetl0/run.sh
#
# Needs Debian's dataset-fashion-mnist (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
FM=/usr/share/datasets/fashion-mnist
if [ ! -f $FM/train-images-idx3-ubyte.gz ]; then
  apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
TARGET=${TARGET:-20}
HIDDEN=${HIDDEN:-256}
SPARSITY=${SPARSITY:-l1 kl jumprelu}
SEED=${SEED:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/sae" ./cmd/sae
printf "%-9s %-7s %-12s %-8s %-8s %-12s %s\n" sparsity target held-out_l0 "vs tgt" fvu coefficient train_s
for sp in $SPARSITY; do
  "$out/sae" train --data $FM/train-images-idx3-ubyte.gz --out "$out/$sp" --hidden "$HIDDEN" \
    --sparsity "$sp" --target-l0 "$TARGET" --seed "$SEED" --json > "$out/$sp.train.json"
  "$out/sae" eval --model "$out/$sp" --data $FM/t10k-images-idx3-ubyte.gz --json > "$out/$sp.eval.json"
  /usr/bin/python3 - "$out/$sp.train.json" "$out/$sp.eval.json" "$sp" "$TARGET" <<'PY'
import json, sys
last = lambda p: json.loads(open(p).read().strip().splitlines()[-1])
t, e, sp, target = last(sys.argv[1]), last(sys.argv[2]), sys.argv[3], float(sys.argv[4])
name = {"l1": "l1", "kl": "rho", "jumprelu": "l0-coef"}[sp]
print(f"{sp:<9} {target:<7g} {e['l0']:<12.2f} {100*(e['l0']-target)/target:+6.1f}%  {e['fvu']:<8.4f} {name}={t['penalty_coef']:<8.4g} {t['train_seconds']:.1f}")
PY
done
