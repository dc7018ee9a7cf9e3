#!/usr/bin/env bash
# KL sparsity on Fashion-MNIST: sigmoid 784 -> 196, rho 0.05, with beta = 3 and
# beta = 0; prints the mean hidden activation on the test split. Needs Debian's
# dataset-fashion-mnist (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
FM=/usr/share/datasets/fashion-mnist
if [ ! -f $FM/train-images-idx3-ubyte.gz ]; then
  apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
EPOCHS=${EPOCHS:-20}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/sae" ./cmd/sae
printf "%-6s %-10s %-10s %-8s %-8s %s\n" beta mean_act "vs rho" fvu l0 train_s
for beta in 3 0; do
  "$out/sae" train --data $FM/train-images-idx3-ubyte.gz --out "$out/m$beta" --hidden 196 \
    --activation sigmoid --sparsity kl --rho 0.05 --beta $beta --epochs "$EPOCHS" --normalize none --trim 0 --seed 1 --json > "$out/t$beta.json"
  "$out/sae" eval --model "$out/m$beta" --data $FM/t10k-images-idx3-ubyte.gz --json > "$out/e$beta.json"
  /usr/bin/python3 - "$out/t$beta.json" "$out/e$beta.json" "$beta" <<'PY'
import json, sys
t = json.load(open(sys.argv[1])); e = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
m = e["mean_activation"]
print(f"{sys.argv[3]:<6} {m:<10.4f} {100*(m-0.05)/0.05:+8.1f}%  {e['fvu']:<8.4f} {e['l0']:<8.1f} {t['train_seconds']:.1f}")
PY
done
