#!/usr/bin/env bash
# sae sweep over 8 L0 targets on Fashion-MNIST beside the same 8 trainings
# run one after another (sae train with its default threads, all cores),
# REPEAT times in alternation (default 3): wall times, their ratio, and
# the sweep's table. The trials are 784 -> 512 topk dictionaries (k 20
# to 200, the range SAEBench's advice spans) trained 1 epoch on the 60,000
# training images, without the anomaly detector's extra members
# (--ensemble 1: dictionaries for their codes); FLAGS overrides.
#
#	bench/sweep/run.sh [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/../.."
R=${1:-3}
W=${WORK:-/tmp/sae-bench-sweep}
FM=${FM:-/usr/share/datasets/fashion-mnist}/train-images-idx3-ubyte.gz
KS="20 30 40 60 80 120 160 200"
FLAGS=${FLAGS:-"--hidden 512 --epochs 1 --ensemble 1 --seed 1"}
rm -rf "$W" && mkdir -p "$W"
go build -o "$W/sae" ./cmd/sae
now() { date +%s.%N; }
for r in $(seq "$R"); do
	t0=$(now)
	for k in $KS; do
		"$W/sae" train --data "$FM" --out "$W/seq$r-k$k" --k "$k" $FLAGS --quiet >/dev/null
	done
	t1=$(now)
	"$W/sae" sweep --data "$FM" --out "$W/sweep$r" --set "k=${KS// /,}" $FLAGS --quiet >"$W/sweep$r.txt"
	t2=$(now)
	echo "run $r: one after another $(echo "$t1 - $t0" | bc) s, sae sweep $(echo "$t2 - $t1" | bc) s" | tee -a "$W/times.txt"
done
"${PY:-/usr/bin/python3}" - "$W/times.txt" <<'PYEOF'
import statistics as st, sys
runs = [line.split() for line in open(sys.argv[1])]
a, b = st.median(float(r[5]) for r in runs), st.median(float(r[9]) for r in runs)
print("median: one after another %.1f s, sae sweep %.1f s: the sweep %.2fx faster" % (a, b, a / b))
PYEOF
column -s, -t <"$W/sweep$R/results.csv" | cut -c1-200
