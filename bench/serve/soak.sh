#!/usr/bin/env bash
# Soak test of sae serve facing hostile clients: two runs of a fresh
# server, each loaded for DURATION by 16 keep-alive clients of good
# single-row /v1/score requests (bench/serve, a second process); in the
# second run a third process (bench/serve/hostile) keeps up slow bodies,
# slow headers, idle connections, 16 MiB declared lengths, bodies above the
# limit, largest batches and malformed requests. It prints the good
# requests' rate, latency quantiles and errors of both runs side by side,
# the server's peak resident memory (VmHWM) against --max-memory, what the
# hostile traffic got, and the server's refusals by reason.
#
#   bench/serve/soak.sh                         # 60 s per run, --max-memory 128 MiB
#   bench/serve/soak.sh --model fm256 --duration 20s --budget 67108864
#
# Other flags go to the server (sae serve --help).
set -euo pipefail
cd "$(dirname "$0")/../.."
FM=${FM:-/usr/share/datasets/fashion-mnist}
MODEL=
DURATION=60s
BUDGET=$((128 << 20))
CLIENTS=16
while [ $# -gt 0 ]; do
	case "$1" in
	--model) MODEL=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--budget) BUDGET=$2; shift 2 ;;
	--clients) CLIENTS=$2; shift 2 ;;
	*) break ;;
	esac
done
if ! [ -e "$FM/t10k-images-idx3-ubyte.gz" ]; then
	echo "soak.sh: no Fashion-MNIST in $FM (apt-get install dataset-fashion-mnist, or set FM)" >&2
	exit 1
fi
TMP=$(mktemp -d)
PID=
HPID=
cleanup() {
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null || true
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
go build -o "$TMP/sae" ./cmd/sae
go build -o "$TMP/loadgen" ./bench/serve
go build -o "$TMP/hostile" ./bench/serve/hostile
if [ -z "$MODEL" ]; then
	MODEL=$TMP/model
	"$TMP/sae" train --data "$FM/train-images-idx3-ubyte.gz" --hidden 256 --epochs 1 --out "$MODEL" --quiet >&2
fi
secs=${DURATION%s}

# run NAME HOSTILE: one server, one load run (with the hostile process if
# HOSTILE is 1); writes $TMP/NAME.{load,hostile,metrics,hwm}.
run() {
	local name=$1 hostile=$2
	shift 2
	"$TMP/sae" serve --model "$MODEL" --addr 127.0.0.1:0 --max-memory "$BUDGET" --log-sample 0.01 "$@" \
		>"$TMP/serve.out" 2>"$TMP/$name.log" &
	PID=$!
	local i=0
	until grep -q 'http://' "$TMP/serve.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$PID" 2>/dev/null; then
			echo "soak.sh: sae serve did not start:" >&2
			cat "$TMP/$name.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	URL=$(grep -o 'http://[^ ]*' "$TMP/serve.out" | head -n 1)
	# The good clients connect first (their keep-alive connections are
	# open before the hostile ones fill --max-conns); the hostile traffic
	# starts 1 s into their 2 s warm-up and lasts until the measured time
	# is over.
	"$TMP/loadgen" -url "$URL" -clients "$CLIENTS" -duration "$DURATION" -pid "$PID" \
		-data "$FM/t10k-images-idx3-ubyte.gz" -json >"$TMP/$name.load" &
	local LPID=$!
	if [ "$hostile" = 1 ]; then
		sleep 1
		"$TMP/hostile" -url "$URL" -duration $((secs + 2))s >"$TMP/$name.hostile" &
		HPID=$!
	fi
	wait "$LPID"
	if [ -n "$HPID" ]; then
		wait "$HPID"
		HPID=
	fi
	curl -s "$URL/metrics" >"$TMP/$name.metrics"
	grep -o '"request_memory_bytes":[0-9]*' "$TMP/$name.log" | head -n 1 | cut -d: -f2 >"$TMP/$name.reqmem"
	grep VmHWM /proc/"$PID"/status | awk '{print $2}' >"$TMP/$name.hwm"
	kill -TERM "$PID"
	wait "$PID" || { echo "soak.sh: sae serve exited with an error:" >&2; tail -n 20 "$TMP/$name.log" >&2; exit 1; }
	PID=
}

echo "sae serve soak: $CLIENTS good clients for $DURATION per run, --max-memory $BUDGET bytes, model $(head -c 200 "$MODEL/config.json" | grep -o '"inputs": [0-9]*' | head -1)"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run quiet 0 "$@"
run hostile 1 "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$TMP" "$BUDGET" <<'PY'
import json, sys, re
tmp, budget = sys.argv[1], int(sys.argv[2])
def metrics(name):
    out = {}
    for line in open(f"{tmp}/{name}.metrics"):
        m = re.match(r'sae_http_requests_rejected_total\{reason="(\w+)"\} (\d+)', line)
        if m and int(m.group(2)):
            out[m.group(1)] = int(m.group(2))
        m = re.match(r'(sae_memory_reserved_max_bytes|sae_http_requests_total\{route="/v1/score",code="200"\}) (\d+)', line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out
print()
print("| run | good requests/s | p50 ms | p99 ms | p99.9 ms | max ms | good errors | server peak RSS (VmHWM) MiB | --max-memory MiB | requests' share MiB | peak reserved MiB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in ("quiet", "hostile"):
    r = json.loads(open(f"{tmp}/{name}.load").read().splitlines()[-1])
    hwm = int(open(f"{tmp}/{name}.hwm").read()) / 1024
    m = metrics(name)
    print(f"| {'good only' if name == 'quiet' else 'good + hostile'} | {r['requests_per_second']:.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | "
          f"{r['p999_ms']:.3f} | {r['max_ms']:.3f} | {r['errors']} | {hwm:.1f} | {budget / 2**20:.0f} | {int(open(f'{tmp}/{name}.reqmem').read()) / 2**20:.1f} | {m.get('sae_memory_reserved_max_bytes', 0) / 2**20:.1f} |")
h = json.loads(open(f"{tmp}/hostile.hostile").read())
print()
print("hostile traffic, answers by kind (a status code; closed: the server closed without an answer; held at the end: no answer yet when the run ended):")
for kind in sorted(h):
    print(f"  {kind:13s} " + ", ".join(f"{k}: {v}" for k, v in sorted(h[kind].items())))
m = metrics("hostile")
print()
print("server refusals by reason (sae_http_requests_rejected_total), hostile run: " +
      ", ".join(f"{k} {v}" for k, v in sorted(m.items()) if not k.startswith("sae_")))
PY
for name in quiet hostile; do
	if grep -q '"level":"ERROR"' "$TMP/$name.log"; then
		echo
		echo "server errors ($name run):"
		grep '"level":"ERROR"' "$TMP/$name.log" | head -n 10
	fi
done
