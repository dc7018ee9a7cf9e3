#!/usr/bin/env bash
# Runs every block of docs/PYTHON.md ("From Python"), as written and in
# order, in an empty directory with this build's sae on the PATH: the
# ```python blocks in one /usr/bin/python3 process (NumPy needed), each
# ```sh block through bash at its place. The blocks' asserts check the
# results; any failure stops it. Where the requests package is absent, a
# stand-in on urllib (requests_standin.py) takes its place, and the script
# says so (STANDIN=1 uses it even where requests is installed).
#
#   bash bench/python/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/run"
go build -o "$work/bin/sae" ./cmd/sae
py=/usr/bin/python3
$py -c 'import numpy' || { echo "bench/python: $py has no numpy" >&2; exit 1; }
if [ -z "${STANDIN:-}" ] && $py -c 'import requests' 2>/dev/null; then
  echo "requests: $($py -c 'import requests; print(requests.__version__)')"
else
  echo "requests is absent (or STANDIN is set): the service example runs with bench/python/requests_standin.py (urllib) in its place"
  cp bench/python/requests_standin.py "$work/bin/requests.py"
  export PYTHONPATH="$work/bin${PYTHONPATH:+:$PYTHONPATH}"
fi
$py bench/python/blocks.py docs/PYTHON.md > "$work/page.py"
cd "$work/run"
PATH="$work/bin:$PATH" $py "$work/page.py"
echo "bench/python: every block of docs/PYTHON.md ran"
