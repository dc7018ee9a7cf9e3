#!/bin/sh
# Load test of sae serve on loopback: a 784 -> 256 model trained for one
# epoch on Fashion-MNIST, served on this machine's cores, loaded by
# bench/serve (on the same cores) with 1, 16 and 128 keep-alive clients
# sending single-row /v1/score requests made of Fashion-MNIST test images.
#
#   bench/serve/run.sh                                   # 60 s per client count
#   bench/serve/run.sh --duration 10s --clients 16
#   bench/serve/run.sh --model fm --rows 32 --path /v1/encode
#
# Other flags go to the load generator (go run ./bench/serve -h).
set -eu
cd "$(dirname "$0")/../.."
FM=${FM:-/usr/share/datasets/fashion-mnist}
MODEL=
DURATION=60s
CLIENTS=1,16,128
while [ $# -gt 0 ]; do
	case "$1" in
	--model) MODEL=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--clients) CLIENTS=$2; shift 2 ;;
	*) break ;;
	esac
done
if ! [ -e "$FM/t10k-images-idx3-ubyte.gz" ]; then
	echo "run.sh: no Fashion-MNIST in $FM (apt-get install dataset-fashion-mnist, or set FM)" >&2
	exit 1
fi
TMP=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
go build -o "$TMP/sae" ./cmd/sae
go build -o "$TMP/loadgen" ./bench/serve
if [ -z "$MODEL" ]; then
	MODEL=$TMP/model
	"$TMP/sae" train --data "$FM/train-images-idx3-ubyte.gz" --hidden 256 --epochs 1 --out "$MODEL" >&2
fi
"$TMP/sae" serve --model "$MODEL" --addr 127.0.0.1:0 --log-level warn >"$TMP/serve.out" 2>"$TMP/serve.log" &
PID=$!
i=0
until grep -q 'http://' "$TMP/serve.out" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$PID" 2>/dev/null; then
		echo "run.sh: sae serve did not start:" >&2
		cat "$TMP/serve.log" >&2
		exit 1
	fi
	sleep 0.1
done
URL=$(grep -o 'http://[^ ]*' "$TMP/serve.out" | head -n 1)
echo "$(head -n 1 "$TMP/serve.out")"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$TMP/loadgen" -url "$URL" -clients "$CLIENTS" -duration "$DURATION" -pid "$PID" -data "$FM/t10k-images-idx3-ubyte.gz" "$@"
kill -TERM "$PID"
wait "$PID" || { echo "run.sh: sae serve exited with an error:" >&2; cat "$TMP/serve.log" >&2; exit 1; }
PID=
if [ -s "$TMP/serve.log" ]; then
	echo
	echo "server log (warnings and errors):"
	cat "$TMP/serve.log"
fi
