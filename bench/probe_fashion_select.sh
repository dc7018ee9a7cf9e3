#!/usr/bin/env bash
# Fashion-MNIST linear probes with a model selection that never reads t10k.
#
# 1. bench/fashion_split.py splits the 60,000 training rows (seeded
#    permutation) into 50,000 fit rows and 10,000 dev rows.
# 2. dev: every candidate below trains a 784 -> 256 model on the fit rows;
#    `sae probe --codes-only` fits softmax regression on its codes of the fit
#    rows (L2 picked on 10% of them held out) and scores the dev rows. The
#    raw-pixel probe does not depend on the model: it is fitted once (the
#    first `sae probe` run without --codes-only). A candidate's dev gap is its
#    code accuracy minus the raw one.
# 3. final: the candidate with the largest dev gap (or FINAL=name) trains on
#    all 60,000 training rows; `sae probe` fits both probes on them and
#    reports the t10k accuracies, once.
#
#   bench/probe_fashion_select.sh                    # split, every dev run, final
#   STAGE=dev bench/probe_fashion_select.sh          # the dev table only
#   STAGE=final FINAL=kl-cae1-e50 bench/probe_fashion_select.sh
#   ONLY=kl-cae1-e20 STAGE=dev bench/probe_fashion_select.sh
#   WORK=/tmp/fmsel bench/probe_fashion_select.sh    # keep (and reuse) results
#
# WORK keeps the split, the models and every JSON result; a rerun reuses
# what is there (delete a candidate's files to redo it). JOBS candidates
# train side by side, each on one thread (--threads 1: the same model on
# every machine and at any JOBS). Temporary files carry the shell's pid, so
# runs sharing a WORK directory do not trip over each other. Needs Debian's dataset-fashion-mnist and
# /usr/bin/python3 with numpy. Measured figures: bench/probe_fashion.md.
set -euo pipefail
cd "$(dirname "$0")/.."
FM=/usr/share/datasets/fashion-mnist
if [ ! -f $FM/train-images-idx3-ubyte.gz ]; then
  apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
STAGE=${STAGE:-all}
ONLY=${ONLY:-}
FINAL=${FINAL:-}
JOBS=${JOBS:-2}
SEED=${SEED:-1}
case $STAGE in all|dev|final) ;; *) echo "STAGE must be all, dev or final, got $STAGE" >&2; exit 2 ;; esac
if [ -n "${WORK:-}" ]; then
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
sae=$WORK/sae
go build -o "$sae" ./cmd/sae
split=$WORK/split
[ -f "$split/dev.npz" ] || /usr/bin/python3 bench/fashion_split.py "$split" 0 >&2

# name and `sae train` flags (besides --hidden 256 --seed --threads 1), one
# candidate a line. All sigmoid/KL ones use bce (pixels in [0,1]).
candidates="
kl-cae1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 20
kl-cae1-e60 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 60
kl-cae0.3-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --contractive 0.3 --epochs 20
kl-mask0.3-e60 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --noise mask:0.3 --epochs 60
kl-cae1-mask0.2-e60 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --contractive 1 --noise mask:0.2 --epochs 60
kl-rho0.1-cae1-e20 --activation sigmoid --sparsity kl --rho 0.1 --beta 3 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 20
kl-beta1-cae1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 20
kl-beta0.3-cae1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 0.3 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 20
kl-wd1e-3-cae1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 1e-3 --contractive 1 --epochs 20
topk64-e60 --activation relu --sparsity topk --k 64 --epochs 60
kl-mask0.5-e60 --activation sigmoid --sparsity kl --rho 0.2 --beta 3 --loss bce --weight-decay 3e-3 --noise mask:0.5 --epochs 60
"

last() { tail -n 1 "$1"; }
field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])' "$1" "$2"; }

# dev_run NAME FLAGS...: train on the fit rows, probe the codes on dev.
dev_run() {
  local name=$1; shift
  local d=$WORK/dev/$name
  mkdir -p "$WORK/dev"
  if [ ! -f "$d.train.json" ]; then
    # shellcheck disable=SC2068 # flags are words
    "$sae" train --data "$split/fit.npz" --out "$d" --hidden 256 $@ --seed "$SEED" --threads 1 \
      --quiet --json > "$d.train.json.tmp.$$"
    mv "$d.train.json.tmp.$$" "$d.train.json"
  fi
  if [ ! -f "$d.probe.json" ]; then
    "$sae" probe --model "$d" --data "$split/fit.npz" --labels "$split/fit.npz" \
      --test "$split/dev.npz" --test-labels "$split/dev.npz" --codes-only --threads 1 --json > "$d.probe.json.tmp.$$"
    mv "$d.probe.json.tmp.$$" "$d.probe.json"
  fi
}

# The raw-pixel dev probe, once per split (any model works: with pixel
# data the models keep the input unscaled, and the probe standardises).
raw_dev() {
  local f=$WORK/dev/raw.probe.json
  [ -f "$f" ] && return
  local m
  m=$(ls -d "$WORK"/dev/*/ | head -n 1)
  "$sae" probe --model "$m" --data "$split/fit.npz" --labels "$split/fit.npz" \
    --test "$split/dev.npz" --test-labels "$split/dev.npz" --threads 1 --json > "$f.tmp.$$"
  mv "$f.tmp.$$" "$f"
}

if [ "$STAGE" != final ]; then
  n=0
  while read -r name flags; do
    [ -z "$name" ] && continue
    [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
    # shellcheck disable=SC2086
    dev_run "$name" $flags &
    n=$((n + 1))
    if [ "$n" -ge "$JOBS" ]; then wait -n; n=$((n - 1)); fi
  done <<< "$candidates"
  wait
  raw_dev
  raw=$(field "$WORK/dev/raw.probe.json" raw_accuracy)
  printf "%-20s %6s %7s %9s %8s %8s %8s\n" candidate fvu l0 "dev code" "dev raw" gap "code l2"
  while read -r name flags; do
    [ -z "$name" ] && continue
    d=$WORK/dev/$name
    [ -f "$d.probe.json" ] || continue
    /usr/bin/python3 - "$d.train.json" "$d.probe.json" "$name" "$raw" <<'PY'
import json, sys
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
t, p, raw = last(sys.argv[1]), last(sys.argv[2]), float(sys.argv[4])
print(f"{sys.argv[3]:<20} {t['fvu']:6.3f} {t['l0']:7.1f} {p['code_accuracy']:9.4f} {raw:8.4f} "
      f"{100*(p['code_accuracy']-raw):+8.2f} {p['code_l2']:8.0e}")
PY
  done <<< "$candidates"
  echo "raw-pixel dev probe: L2 $(field "$WORK/dev/raw.probe.json" raw_l2) picked on held-out fit rows"
fi

[ "$STAGE" = dev ] && exit 0
if [ -z "$FINAL" ]; then
  # The raw dev accuracy is one number: the largest gap is the best code accuracy.
  best=-1
  while read -r name flags; do
    [ -z "$name" ] && continue
    f=$WORK/dev/$name.probe.json
    [ -f "$f" ] || continue
    acc=$(field "$f" code_accuracy)
    if /usr/bin/python3 -c 'import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))' "$acc" "$best"; then
      best=$acc FINAL=$name
    fi
  done <<< "$candidates"
  [ -n "$FINAL" ] || { echo "no dev results to choose from" >&2; exit 1; }
fi
flags=$(awk -v n="$FINAL" '$1 == n { $1 = ""; print; exit }' <<< "$candidates")
[ -n "$flags" ] || { echo "FINAL=$FINAL is not a candidate" >&2; exit 2; }
echo "final: $FINAL ($flags) on all 60,000 training rows, probes scored on t10k"
f=$WORK/final/$FINAL
mkdir -p "$WORK/final"
if [ ! -f "$f.train.json" ]; then
  # shellcheck disable=SC2086
  "$sae" train --data $FM/train-images-idx3-ubyte.gz --out "$f" --hidden 256 $flags --seed "$SEED" --threads 1 \
    --quiet --json > "$f.train.json.tmp.$$"
  mv "$f.train.json.tmp.$$" "$f.train.json"
fi
if [ ! -f "$f.probe.json" ]; then
  "$sae" probe --model "$f" --data $FM/train-images-idx3-ubyte.gz --labels $FM/train-labels-idx1-ubyte.gz \
    --test $FM/t10k-images-idx3-ubyte.gz --test-labels $FM/t10k-labels-idx1-ubyte.gz --threads 1 --json > "$f.probe.json.tmp.$$"
  mv "$f.probe.json.tmp.$$" "$f.probe.json"
fi
/usr/bin/python3 - "$f.train.json" "$f.probe.json" <<'PY'
import json, sys
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
t, p = last(sys.argv[1]), last(sys.argv[2])
print(f"t10k: codes {p['code_accuracy']:.4f} (L2 {p['code_l2']:.0e}), raw pixels {p['raw_accuracy']:.4f} (L2 {p['raw_l2']:.0e}), "
      f"gap {100*p['gain']:+.2f} points; model fvu {t['fvu']:.3f}, l0 {t['l0']:.1f}")
PY
