#!/bin/sh
# Times our float32 GEMM beside OpenBLAS at 1 and 2 threads.
# Installs libopenblas-dev if it is missing (Debian/Ubuntu, needs root).
set -e
cd "$(dirname "$0")/../.."
if ! [ -e /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ] && ! [ -e /usr/include/cblas.h ]; then
	apt-get install -y libopenblas-dev || { apt-get update && apt-get install -y libopenblas-dev; }
fi
# OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its
# Prescott (SSE3) kernels; name its AVX-512 kernels unless told otherwise.
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Cooperlake}"
CGO_ENABLED=1 go build -tags openblas -o /tmp/sae-bench-gemm ./bench/gemm
for t in 1 2; do
	OPENBLAS_NUM_THREADS=$t /tmp/sae-bench-gemm -threads "$t" "$@"
	echo
done
