#!/usr/bin/env bash
# The report draws images only for image data (issue 21, acceptance 4):
# trains a model on Fashion-MNIST images (IDX) and one on a table of 36
# numeric columns (a CSV whose width is a square, 6x6, as in the issue),
# writes `sae report --data` for each, checks the pages' sections (the
# image model has "Learned features" and "Reconstructions" drawn as 28x28
# images; the table has no image section and no "drawn as" caption), and
# renders both in headless Chromium (bench/report_screenshot.sh) to PNGs
# to look at. Needs Debian's dataset-fashion-mnist and chromium (installed
# if missing). Not part of go test: it trains two models and starts a
# browser.
#
#   bash bench/reportshots/run.sh [OUTDIR]     # default: a new temporary directory
set -euo pipefail
cd "$(dirname "$0")/../.."
FM=/usr/share/datasets/fashion-mnist
out=${1:-$(mktemp -d)}
mkdir -p "$out"
go build -o "$out/sae" ./cmd/sae
sae=$out/sae

# The image model: 10,000 test images, 3 epochs (the look, not the fit).
"$sae" train --data $FM/t10k-images-idx3-ubyte.gz --out "$out/images" --hidden 64 --epochs 3 --quiet >/dev/null
"$sae" report --model "$out/images" --data $FM/t10k-images-idx3-ubyte.gz --out "$out/images.html" --quiet

# The table: 36 columns of 3 latent factors and noise, 2,000 rows, a header.
/usr/bin/python3 - "$out/table.csv" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(21)
z = rng.normal(size=(2000, 3))
x = z @ rng.normal(size=(3, 36)) + 0.1 * rng.normal(size=(2000, 36))
np.savetxt(sys.argv[1], x, delimiter=",", fmt="%.5f",
           header=",".join("c%d" % j for j in range(36)), comments="")
PY
"$sae" train --data "$out/table.csv" --out "$out/table" --epochs 3 --quiet >/dev/null
"$sae" report --model "$out/table" --data "$out/table.csv" --out "$out/table.html" --quiet 2>"$out/table.stderr"

fail=0
check() { # check PAGE WANT|NOT TEXT
  if grep -q -- "$3" "$1"; then found=yes; else found=no; fi
  if [ "$2" = want ] && [ $found = no ] || [ "$2" = not ] && [ $found = yes ]; then
    echo "FAIL: $(basename "$1") $2 \"$3\""; fail=1
  else
    echo "ok:   $(basename "$1") $2 \"$3\""
  fi
}
check "$out/images.html" want "Learned features"
check "$out/images.html" want "Reconstructions"
check "$out/images.html" want "drawn as 28x28 images"
check "$out/table.html" not "Learned features"
check "$out/table.html" not "Reconstructions"
check "$out/table.html" not "drawn as"
check "$out/table.html" want "Anomaly scores"
echo "sae report on the table said on stderr: $(cat "$out/table.stderr")"

bash bench/report_screenshot.sh "$out/images.html" "$out/images.png" 4600
bash bench/report_screenshot.sh "$out/table.html" "$out/table.png" 3000
echo "pages and screenshots in $out"
exit $fail
