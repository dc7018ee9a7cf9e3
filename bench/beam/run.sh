#!/usr/bin/env bash
# The Beam pipeline's worker against the command line on the same rows:
# saebeam score/encode on Prism (one worker process, in process) beside sae
# score/encode, wall time and peak RSS (GNU time), at two input sizes
# (Fashion-MNIST's 60,000 training images as .npy, and 4 copies of them,
# 240,000 rows), REPEAT runs each in alternation (default 3); each run's
# output is checked against the command line's, row for row and bit for
# bit. The model is a 784 -> 256 topk dictionary (k 32) with its anomaly
# detector (score: 3 models). Needs /usr/bin/python3 with NumPy, and the
# Beam module's modules (first build: a few minutes).
#
#	bench/beam/run.sh [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/../.."
R=${1:-3}
W=${WORK:-/tmp/sae-bench-beam}
FM=${FM:-/usr/share/datasets/fashion-mnist}
PY=${PY:-/usr/bin/python3}
mkdir -p "$W"
go build -o "$W/sae" ./cmd/sae
(cd beam && go build -o "$W/saebeam" ./cmd/saebeam)
"$PY" - "$FM" "$W" <<'PYEOF'
import gzip, sys, numpy as np
fm, w = sys.argv[1], sys.argv[2]
b = gzip.open(fm + '/train-images-idx3-ubyte.gz').read()
x = np.frombuffer(b[16:], dtype=np.uint8).reshape(-1, 784).astype(np.float32) / 255
np.save(w + '/x1.npy', x)
np.save(w + '/x4.npy', np.concatenate([x] * 4))
PYEOF
"$W/sae" train --data "$FM/t10k-images-idx3-ubyte.gz" --out "$W/model" --hidden 256 --k 32 --epochs 2 --seed 1 --quiet >/dev/null
log="$W/times.txt"
: >"$log"
for r in $(seq "$R"); do
	for size in x1 x4; do
		for job in score encode; do
			rm -f "$W/ref.npy"
			/usr/bin/time -f "$size $job sae %e %M" -a -o "$log" "$W/sae" "$job" --model "$W/model" --data "$W/$size.npy" --out "$W/ref.npy" >/dev/null
			rm -rf "$W/out"
			/usr/bin/time -f "$size $job saebeam %e %M" -a -o "$log" "$W/saebeam" "$job" --model "$W/model" --input "$W/$size.npy" --out "$W/out" >/dev/null 2>"$W/saebeam.log"
			"$PY" - "$W" <<'PYEOF'
import json, sys, numpy as np
w = sys.argv[1]
m = json.load(open(w + '/out/manifest.json'))
got = np.concatenate([np.load(w + '/out/' + p['name']) for p in m['parts']])
want = np.load(w + '/ref.npy')
assert got.shape == want.shape and got.tobytes() == want.tobytes(), 'the parts differ from the command line output'
PYEOF
		done
	done
done
"$PY" - "$log" <<'PYEOF'
import sys, statistics as st
runs = {}
for line in open(sys.argv[1]):
    size, job, tool, sec, kb = line.split()
    runs.setdefault((size, job, tool), []).append((float(sec), int(kb)))
rows = {'x1': 60000, 'x4': 240000}
print('%-7s %-7s %12s %12s %8s %14s %14s' % ('rows', 'job', 'sae rows/s', 'beam rows/s', 'beam/sae', 'sae peak MiB', 'beam peak MiB'))
for size in ('x1', 'x4'):
    for job in ('score', 'encode'):
        a, b = runs[(size, job, 'sae')], runs[(size, job, 'saebeam')]
        ta, tb = st.median(s for s, _ in a), st.median(s for s, _ in b)
        ma, mb = max(k for _, k in a) / 1024, max(k for _, k in b) / 1024
        print('%-7d %-7s %12.0f %12.0f %8.2f %14.1f %14.1f' % (rows[size], job, rows[size] / ta, rows[size] / tb, ta / tb, ma, mb))
PYEOF
