#!/usr/bin/env bash
# Fashion-MNIST linear probes with a model selection that never reads t10k.
#
# 1. bench/fashion_split.py splits the 60,000 training rows (seeded
#    permutation) into 50,000 fit rows and 10,000 dev rows: one fold per
#    split seed in FOLDS.
# 2. dev: every candidate of the round trains a 784 -> 256 model on the fit
#    rows of each fold; `sae probe --codes-only` fits softmax regression on
#    its codes of the fit rows (L2 picked on 10% of them held out) and scores
#    the dev rows. The raw-pixel probe does not depend on the model: it is
#    fitted once per fold (the first `sae probe` run without --codes-only).
#    A candidate's dev gap on a fold is its code accuracy minus the raw one;
#    its score is the mean of its gaps over the folds.
# 3. final: the candidate with the largest mean dev gap (or FINAL=name)
#    trains on all 60,000 training rows; `sae probe` fits both probes on them
#    and reports the t10k accuracies, once.
#
# Two rounds, each fixed (candidates and folds) before it was run:
#   ROUND=1 (default): the candidates list, one fold (split seed 0).
#   ROUND=2: the candidates2 list, two folds (split seeds 0 and 1): the
#     round-1 winner as the reference and new settings around it.
#   ROUND=3: the candidates3 list, three folds (split seeds 0, 1 and 2): the
#     round-2 winner as the reference, the round-2 settings that came close
#     to it applied to it, alone and together, and no trimming.
#   ROUND=4: the candidates4 list, the same three folds: the round-3 winner
#     as the reference and settings around it. Its final stage trains the
#     winner with model seeds 1, 2 and 3 (SEEDS) and reports the mean t10k
#     gap, the round's figure.
#
#   bench/probe_fashion_select.sh                    # round 1: split, every dev run, final
#   ROUND=2 bench/probe_fashion_select.sh            # round 2 (ROUND=3, ROUND=4: rounds 3, 4)
#   SEEDS="1 2 3" STAGE=final ...                    # the final stage over several model seeds
#   STAGE=dev bench/probe_fashion_select.sh          # the dev table only
#   STAGE=final FINAL=kl-cae1-e50 bench/probe_fashion_select.sh
#   ONLY=kl-cae1-e20 STAGE=dev bench/probe_fashion_select.sh
#   WORK=/tmp/fmsel bench/probe_fashion_select.sh    # keep (and reuse) results
#
# WORK keeps the splits, the models and every JSON result (fold S in
# WORK/foldS, the final models in WORK/final); a rerun reuses
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
ROUND=${ROUND:-1}
case $STAGE in all|dev|final) ;; *) echo "STAGE must be all, dev or final, got $STAGE" >&2; exit 2 ;; esac
case $ROUND in
  1) FOLDS="0" ;;
  2) FOLDS="0 1" ;;
  3|4) FOLDS="0 1 2" ;;
  *) echo "ROUND must be 1, 2, 3 or 4, got $ROUND" >&2; exit 2 ;;
esac
if [ -n "${WORK:-}" ]; then
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
sae=$WORK/sae
go build -o "$sae" ./cmd/sae
for s in $FOLDS; do
  [ -f "$WORK/fold$s/split/dev.npz" ] || /usr/bin/python3 bench/fashion_split.py "$WORK/fold$s/split" "$s" >&2
done

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

# Round 2: the round-1 winner (the reference, first) and settings around it.
candidates2="
kl-beta1-cae1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 20
kl-rho0.3-beta1-cae1-e20 --activation sigmoid --sparsity kl --rho 0.3 --beta 1 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 20
kl-beta0.5-cae1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 0.5 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 20
kl-beta1-cae0.5-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 0.5 --epochs 20
kl-beta1-cae2-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 2 --epochs 20
kl-beta1-wd1e-3-cae1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 1e-3 --contractive 1 --epochs 20
kl-beta1-cae1-e40 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 1 --epochs 40
kl-beta1-cae1-b64-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 1 --batch 64 --epochs 20
kl-beta1-cae1-tied-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 1 --tied --epochs 20
kl-beta1-cae1-gauss0.1-e20 --activation sigmoid --sparsity kl --rho 0.2 --beta 1 --loss bce --weight-decay 3e-3 --contractive 1 --noise gaussian:0.1 --epochs 20
"

# Round 3: the round-2 winner (the reference, first); batch 32 and 40 epochs
# (more steps, as batch 64 was); the round-2 settings within 0.2 points of
# the round-1 reference (weight decay 1e-3, contractive 0.5, rho 0.3) on it,
# alone and together; and --trim 0: the trainer leaves each batch's 5% worst
# reconstructed rows out of the loss by default (robustness to anomalies),
# which on clean data drops the hardest images from feature learning.
common3="--activation sigmoid --sparsity kl --loss bce"
candidates3="
b64 $common3 --batch 64 --rho 0.2 --beta 1 --weight-decay 3e-3 --contractive 1 --epochs 20
b64-trim0 $common3 --batch 64 --rho 0.2 --beta 1 --weight-decay 3e-3 --contractive 1 --epochs 20 --trim 0
b64-wd1e-3 $common3 --batch 64 --rho 0.2 --beta 1 --weight-decay 1e-3 --contractive 1 --epochs 20
b64-cae0.5 $common3 --batch 64 --rho 0.2 --beta 1 --weight-decay 3e-3 --contractive 0.5 --epochs 20
b64-rho0.3 $common3 --batch 64 --rho 0.3 --beta 1 --weight-decay 3e-3 --contractive 1 --epochs 20
b64-e40 $common3 --batch 64 --rho 0.2 --beta 1 --weight-decay 3e-3 --contractive 1 --epochs 40
b32 $common3 --batch 32 --rho 0.2 --beta 1 --weight-decay 3e-3 --contractive 1 --epochs 20
b64-trim0-wd1e-3 $common3 --batch 64 --rho 0.2 --beta 1 --weight-decay 1e-3 --contractive 1 --epochs 20 --trim 0
b64-trim0-wd1e-3-cae0.5 $common3 --batch 64 --rho 0.2 --beta 1 --weight-decay 1e-3 --contractive 0.5 --epochs 20 --trim 0
b64-trim0-wd1e-3-cae0.5-rho0.3 $common3 --batch 64 --rho 0.3 --beta 1 --weight-decay 1e-3 --contractive 0.5 --epochs 20 --trim 0
"

# Round 4: the round-3 winner (the reference, first). Its two changes both
# lowered the regularisation (no trimming, weight decay 3e-3 -> 1e-3) and
# each gained; so: weight decay 3e-4 and 1e-4, each also with a stronger
# contractive penalty (2) in its place; and at 3e-4, rho 0.3 and a learning
# rate of 2e-3.
common4="--activation sigmoid --sparsity kl --loss bce --batch 64 --beta 1 --epochs 20 --trim 0"
candidates4="
r3 $common4 --rho 0.2 --weight-decay 1e-3 --contractive 1
wd3e-4 $common4 --rho 0.2 --weight-decay 3e-4 --contractive 1
wd1e-4 $common4 --rho 0.2 --weight-decay 1e-4 --contractive 1
wd3e-4-cae2 $common4 --rho 0.2 --weight-decay 3e-4 --contractive 2
wd1e-4-cae2 $common4 --rho 0.2 --weight-decay 1e-4 --contractive 2
wd3e-4-rho0.3 $common4 --rho 0.3 --weight-decay 3e-4 --contractive 1
wd3e-4-lr2e-3 $common4 --rho 0.2 --weight-decay 3e-4 --contractive 1 --lr 2e-3
"
case $ROUND in
  2) candidates=$candidates2 ;;
  3) candidates=$candidates3 ;;
  4) candidates=$candidates4 ;;
esac
# The final stage's model seeds: round 4 judges its winner by the mean over
# three; earlier rounds used the one seed.
if [ "$ROUND" = 4 ]; then SEEDS=${SEEDS:-1 2 3}; else SEEDS=${SEEDS:-$SEED}; fi

# dev_run FOLD NAME FLAGS...: train on the fold's fit rows, probe the codes
# on its dev rows.
dev_run() {
  local s=$1 name=$2; shift 2
  local split=$WORK/fold$s/split d=$WORK/fold$s/dev/$name
  mkdir -p "$WORK/fold$s/dev"
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

# raw_dev FOLD: the raw-pixel dev probe, once per fold (any model works:
# with pixel data the models keep the input unscaled, and the probe
# standardises).
raw_dev() {
  local split=$WORK/fold$1/split f=$WORK/fold$1/dev/raw.probe.json
  [ -f "$f" ] && return
  local m
  m=$(ls -d "$WORK/fold$1"/dev/*/ | head -n 1)
  "$sae" probe --model "$m" --data "$split/fit.npz" --labels "$split/fit.npz" \
    --test "$split/dev.npz" --test-labels "$split/dev.npz" --threads 1 --json > "$f.tmp.$$"
  mv "$f.tmp.$$" "$f"
}

# summary table|best: the dev table (per fold and the mean gap), or the
# name of the candidate with the largest mean gap over the folds (only
# candidates with results on every fold count).
summary() {
  /usr/bin/python3 - "$1" "$WORK" "$FOLDS" "$candidates" <<'PY'
import json, os, sys
mode, work, folds, cands = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
names = [l.split()[0] for l in cands.splitlines() if l.strip()]
raw = {}
for s in folds:
    f = f"{work}/fold{s}/dev/raw.probe.json"
    if os.path.exists(f):
        raw[s] = last(f)
rows = []
for n in names:
    r = []
    for s in folds:
        d = f"{work}/fold{s}/dev/{n}"
        if s not in raw or not os.path.exists(d + ".probe.json"):
            break
        t, p = last(d + ".train.json"), last(d + ".probe.json")
        r.append((s, t, p, 100 * (p["code_accuracy"] - raw[s]["raw_accuracy"])))
    if len(r) == len(folds):
        rows.append((n, r, sum(x[3] for x in r) / len(r)))
if mode == "best":
    if rows:
        print(max(rows, key=lambda x: x[2])[0])
    sys.exit(0)
print(f"{'candidate':<28} {'fold':>4} {'fvu':>6} {'l0':>6} {'dev code':>9} {'dev raw':>8} {'gap':>7} {'code l2':>8} {'mean gap':>9}")
for n, r, mean in rows:
    for i, (s, t, p, gap) in enumerate(r):
        print(f"{n if i == 0 else '':<28} {s:>4} {t['fvu']:6.3f} {t['l0']:6.1f} {p['code_accuracy']:9.4f} "
              f"{raw[s]['raw_accuracy']:8.4f} {gap:+7.2f} {p['code_l2']:8.0e} "
              f"{(f'{mean:+9.2f}' if i == len(r) - 1 else ''):>9}")
for s in folds:
    if s in raw:
        print(f"raw-pixel dev probe, fold {s}: {raw[s]['raw_accuracy']:.4f}, L2 {raw[s]['raw_l2']:.0e} picked on held-out fit rows")
PY
}

if [ "$STAGE" != final ]; then
  n=0
  while read -r name flags; do
    [ -z "$name" ] && continue
    [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
    for s in $FOLDS; do
      # shellcheck disable=SC2086
      dev_run "$s" "$name" $flags &
      n=$((n + 1))
      if [ "$n" -ge "$JOBS" ]; then wait -n; n=$((n - 1)); fi
    done
  done <<< "$candidates"
  wait
  for s in $FOLDS; do raw_dev "$s"; done
  summary table
fi

[ "$STAGE" = dev ] && exit 0
if [ -z "$FINAL" ]; then
  FINAL=$(summary best)
  [ -n "$FINAL" ] || { echo "no dev results to choose from" >&2; exit 1; }
fi
flags=$(awk -v n="$FINAL" '$1 == n { $1 = ""; print; exit }' <<< "$candidates")
[ -n "$flags" ] || { echo "FINAL=$FINAL is not a candidate" >&2; exit 2; }
echo "final: $FINAL ($flags) on all 60,000 training rows, probes scored on t10k, model seeds $SEEDS"
mkdir -p "$WORK/final"
# final_run SEED: train the winner on all training rows with that model
# seed and probe on t10k (files WORK/final/NAME, or NAME.seedS for a seed
# other than SEED).
final_run() {
  local f=$WORK/final/$FINAL
  [ "$1" = "$SEED" ] || f=$f.seed$1
  if [ ! -f "$f.train.json" ]; then
    # shellcheck disable=SC2086
    "$sae" train --data $FM/train-images-idx3-ubyte.gz --out "$f" --hidden 256 $flags --seed "$1" --threads 1 \
      --quiet --json > "$f.train.json.tmp.$$"
    mv "$f.train.json.tmp.$$" "$f.train.json"
  fi
  if [ ! -f "$f.probe.json" ]; then
    "$sae" probe --model "$f" --data $FM/train-images-idx3-ubyte.gz --labels $FM/train-labels-idx1-ubyte.gz \
      --test $FM/t10k-images-idx3-ubyte.gz --test-labels $FM/t10k-labels-idx1-ubyte.gz --threads 1 --json > "$f.probe.json.tmp.$$"
    mv "$f.probe.json.tmp.$$" "$f.probe.json"
  fi
}
n=0
for s in $SEEDS; do
  final_run "$s" &
  n=$((n + 1))
  if [ "$n" -ge "$JOBS" ]; then wait -n; n=$((n - 1)); fi
done
wait
/usr/bin/python3 - "$WORK/final/$FINAL" "$SEED" $SEEDS <<'PY'
import json, sys
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
base, seed0, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
gaps = []
for s in seeds:
    f = base if s == seed0 else f"{base}.seed{s}"
    t, p = last(f + ".train.json"), last(f + ".probe.json")
    gaps.append(100 * p["gain"])
    print(f"t10k, model seed {s}: codes {p['code_accuracy']:.4f} (L2 {p['code_l2']:.0e}), raw pixels {p['raw_accuracy']:.4f} "
          f"(L2 {p['raw_l2']:.0e}), gap {100*p['gain']:+.2f} points; model fvu {t['fvu']:.3f}, l0 {t['l0']:.1f}")
if len(gaps) > 1:
    print(f"mean gap over {len(gaps)} model seeds: {sum(gaps)/len(gaps):+.2f} points")
PY
