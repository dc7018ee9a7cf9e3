#!/usr/bin/env bash
# Linear probes on Fashion-MNIST: trains 784 -> 256 sparse autoencoders with
# a few `sae train` settings, then `sae probe` fits the same softmax
# regression (L2 picked on 10% of the training rows held out) on each
# model's codes and on the raw pixels, and prints both test accuracies.
# The issue's bar: codes at least 2 points above the raw pixels.
#
# The settings below were compared on t10k itself. The selection that never
# reads t10k (a 50,000/10,000 dev split of the training rows, then one t10k
# run) is bench/probe_fashion_select.sh; its figures: bench/probe_fashion.md.
#
# Measured (2 shared cores, EPOCHS=20, 2-4 min to train and 2-5 min to
# probe each): raw pixels 0.8474 (L2 1e-3 picked) in every run. Codes of
# sigmoid/KL rho 0.2 beta 3, bce, weight decay 3e-3, by --contractive C:
#   C 0: 0.8624 (+1.50)   0.1: 0.8644 (+1.70)   0.3: 0.8654 (+1.80)
#   C 0.5: 0.8658 (+1.84)   1: 0.8672 (+1.98)   3: 0.8590 (+1.16)
# (code L2 3e-5 picked up to C 0.3, 1e-5 from C 1; a grid extended to 1e-6
# still picked 1e-5 for C 1 and gave the same 0.8672). Other settings:
# --noise mask:0.3 on top of KL rho 0.2 (no contractive) 0.8608 (+1.34);
# relu, l1 1e-4, --normalize standard, weight decay 1e-3: 0.8432 (-0.42).
# With the probe's L2 fixed at 1e-4 the codes scored: 0.8486
# sigmoid-kl-0.05, 0.8468 relu-l1, 0.8638 rho 0.2, 0.8625 rho 0.3, 0.8625
# rho 0.2 for 40 epochs. TOL=1e-6 moved the raw accuracy by 0.0001 (0.8473).
#
#   bench/probe_fashion.sh                 # every setting below
#   ONLY=sigmoid-kl-0.2 bench/probe_fashion.sh  # one of them
#   EPOCHS=20 TOL=1e-6 bench/probe_fashion.sh
#
# TOL is the probes' stopping tolerance (sae probe --tol); a run with a
# tighter TOL shows whether the accuracies are converged. Needs Debian's
# dataset-fashion-mnist (installed here if missing) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
FM=/usr/share/datasets/fashion-mnist
if [ ! -f $FM/train-images-idx3-ubyte.gz ]; then
  apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
EPOCHS=${EPOCHS:-20}
TOL=${TOL:-0}
ONLY=${ONLY:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/sae" ./cmd/sae

# name and `sae train` flags, one setting a line.
settings="
sigmoid-kl-cae1 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --contractive 1
sigmoid-kl-cae0.3 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --contractive 0.3
sigmoid-kl-cae --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --contractive 0.1
sigmoid-kl-0.2 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3
sigmoid-kl-0.05 --activation sigmoid --sparsity kl --rho 0.05 --beta 3 --loss bce
relu-l1 --activation relu --sparsity l1 --l1 0.01 --weight-decay 3e-3
"

printf "%-16s %6s %7s %9s %8s %8s %8s %8s %8s\n" setting fvu l0 "code acc" "raw acc" gain "code l2" "train s" "probe s"
while read -r name flags; do
  [ -z "$name" ] && continue
  [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
  # shellcheck disable=SC2086 # flags are words
  "$out/sae" train --data $FM/train-images-idx3-ubyte.gz --out "$out/$name" --hidden 256 $flags \
    --epochs "$EPOCHS" --seed 1 --quiet --json > "$out/$name.train.json"
  start=$(date +%s.%N)
  "$out/sae" probe --model "$out/$name" \
    --data $FM/train-images-idx3-ubyte.gz --labels $FM/train-labels-idx1-ubyte.gz \
    --test $FM/t10k-images-idx3-ubyte.gz --test-labels $FM/t10k-labels-idx1-ubyte.gz \
    --tol "$TOL" --json > "$out/$name.probe.json"
  end=$(date +%s.%N)
  /usr/bin/python3 - "$out/$name.train.json" "$out/$name.probe.json" "$name" "$start" "$end" <<'PY'
import json, sys
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
t, p = last(sys.argv[1]), last(sys.argv[2])
print(f"{sys.argv[3]:<16} {t['fvu']:6.3f} {t['l0']:7.1f} {p['code_accuracy']:9.4f} {p['raw_accuracy']:8.4f} "
      f"{100*p['gain']:+8.2f} {p['code_l2']:8.0e} {t['train_seconds']:8.1f} {float(sys.argv[5])-float(sys.argv[4]):8.1f}")
PY
done <<< "$settings"
echo "gain: code accuracy - raw accuracy, in points; raw l2 and probe details: sae probe --json"
