#!/bin/sh
# Times our float32 and bfloat16 GEMMs beside OpenBLAS, and beside PyTorch's
# matmul (float32, bfloat16, autocast) where a Python with torch is found
# (TORCH_PYTHON, else python3 or /usr/bin/python3), at 2 and 1 threads.
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
torch=""
for py in ${TORCH_PYTHON:-python3 /usr/bin/python3}; do
	if "$py" -c 'import torch' 2>/dev/null; then
		torch="-torch $py"
		break
	fi
done
[ -n "$torch" ] || echo "(no Python with torch found: PyTorch not timed; set TORCH_PYTHON)"
for t in 2 1; do
	OPENBLAS_NUM_THREADS=$t /tmp/sae-bench-gemm -threads "$t" $torch "$@"
	echo
done
