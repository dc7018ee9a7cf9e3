#!/usr/bin/env bash
# The golden grid: a fixed set of sae runs on small synthetic data (every
# sparsity kind, tied and untied, deep, denoising, contractive, variational,
# stacked, supervised, target-l0, resampling, AuxK, L-BFGS, a stream, a
# kill-and-resume, the demo, the linear probe, SAELens export/import and the
# follow-up commands), recorded so that two builds can be compared file by
# file. A refactoring that keeps behaviour gives the same bytes.
#
#   bench/golden/run.sh OLD_SAE NEW_SAE [WORKDIR]   # record both and compare
#   bench/golden/run.sh SAE WORKDIR                 # record one build
#
# OLD_SAE and NEW_SAE are sae binaries (go build -o /tmp/new ./cmd/sae).
# Timing figures (train_seconds, samples_per_second, peak_rss_mib, seconds) are
# zeroed before hashing; everything else must match. compare.py prints, for
# each file that differs, what differs (JSON keys with both values, the
# largest difference of float tensors). The data are written by gendata
# (deterministic, no sae packages involved). About a minute per build on
# two cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

record() { # record SAE DIR
	local sae=$1 out=$2
	rm -rf "$out"
	mkdir -p "$out/data"
	(cd "$repo" && go run ./bench/golden/gendata "$out/data")
	grep -v '^#' "$here/cases.txt" | grep -v '^[[:space:]]*$' | while IFS='|' read -r name data flags follow; do
		name=$(echo $name)
		local c="$out/$name"
		mkdir -p "$c"
		local threads="--threads 1"
		[[ $flags == *--threads* ]] && threads=""
		(cd "$c" && run_case "$sae" "$data" "$flags $threads" "$follow")
	done
	resume_case "$sae" "$out/resume"
	errors_case "$sae" "$out/errors"
	mkdir -p "$out/demo"
	(cd "$out/demo" && "$sae" demo --out d --epochs 3 --json > demo.json 2> demo.err) || echo "demo failed" >&2
	python3 "$here/compare.py" manifest "$out" > "$out/MANIFEST"
}

# run_case SAE DATA FLAGS FOLLOWUPS, in the case's directory.
run_case() {
	local sae=$1 data=$(echo $2) flags=$3 follow=$4
	ln -sf ../data/* .
	local val=$data score=""
	if [ "$data" = dense.npy ]; then val=dense_val.npy score=1; fi
	# shellcheck disable=SC2086
	if ! "$sae" train --data "$data" --out model $flags --json --quiet > train.json 2> train.err; then
		echo "train failed: $(cat train.err)" >&2
		return 0
	fi
	for f in $follow; do
		case $f in
		eval) "$sae" eval --model model --data "$val" --json > eval.json ;;
		score) if [ -n "$score" ]; then "$sae" score --model model --data score.npy --labels score_labels.npy --out scores.npy --json > score.json; fi ;;
		encode) "$sae" encode --model model --data "$val" --out codes.npy > /dev/null ;;
		reconstruct) "$sae" reconstruct --model model --data "$val" --out rec.npy > /dev/null ;;
		predict) "$sae" predict --model model --data dense_val.npy --labels val_labels.npy --out probs.npy --json > predict.json ;;
		generate) "$sae" generate --model model --n 16 --out gen.npy > /dev/null ;;
		probe) "$sae" probe --model model --data dense.npy --labels labels.npy --test dense_val.npy --test-labels val_labels.npy --threads 1 --json > probe.json ;;
		export)
			"$sae" export --model model --format saelens --out exported > /dev/null
			"$sae" import --in exported --out imported > /dev/null
			"$sae" encode --model imported --data "$val" --out imported_codes.npy > /dev/null ;;
		esac
	done
}

# resume_case SAE DIR: an uninterrupted run, and the same run killed twice
# after checkpoints and resumed; the resumed model must be the same.
resume_case() {
	local sae=$1 c=$2
	mkdir -p "$c"
	cd "$c"
	local args=(train --data ../data/resume.npy --hidden 256 --epochs 30 --batch 32 --finetune-epochs 3
		--noise mask:0.1 --checkpoint-every 1 --val-split 0.1 --threads 2 --quiet --json)
	"$sae" "${args[@]}" --out ref > ref.json 2> ref.err
	local kills=0
	for wait in 2 6; do
		local extra=()
		[ -f m.checkpoint/state.ckpt ] && extra=(--resume m.checkpoint)
		"$sae" "${args[@]}" --out m "${extra[@]}" > m.json 2> m.err &
		local pid=$!
		local seen=0 last=""
		# Kill after $wait checkpoint writes (each replaces state.ckpt).
		while kill -0 $pid 2> /dev/null && [ $seen -lt $wait ]; do
			local now
			now=$(stat -c %Y.%s m.checkpoint/state.ckpt 2> /dev/null; sha1sum m.checkpoint/state.ckpt 2> /dev/null | cut -c1-8) || true
			if [ -n "$now" ] && [ "$now" != "$last" ]; then seen=$((seen + 1)); last=$now; fi
			sleep 0.02
		done
		kill -9 $pid 2> /dev/null && kills=$((kills + 1)) || true
		wait $pid 2> /dev/null || true
	done
	if [ ! -d m ]; then
		"$sae" "${args[@]}" --out m --resume m.checkpoint > m.json 2> m.err
	fi
	echo "kills $kills" > kills.log
	if cmp -s ref/model.safetensors m/model.safetensors; then echo "resumed model: same weights as the uninterrupted run" > resume.txt; else echo "resumed model: DIFFERENT weights" > resume.txt; fi
	rm -rf m m.json m.err
	cd - > /dev/null
}

# errors_case SAE DIR: settings the CLI refuses, with their messages.
errors_case() {
	local sae=$1 c=$2
	mkdir -p "$c"
	local i=0
	while IFS= read -r flags; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		local rc=0
		(cd "$c" && "$sae" train --data ../data/dense.npy --out m$i $flags --quiet > /dev/null 2> err$i.txt) || rc=$?
		printf 'exit %s\nflags: %s\n' "$rc" "$flags" >> "$c/err$i.txt"
	done << 'LIST'
--sparsity topk --activation sigmoid
--sparsity topk --trim 0.1
--sparsity kl --k 5
--sparsity l1 --bandwidth 0.1
--sparsity l1 --l1-weight none --tied --aux-k 3
--variational --sparsity kl
--rho 2
--sparsity topk --target-l0 5
--sparsity l1 --target-l0 5 --activation sigmoid
--layers 8,4 --hidden 3
--optimizer lbfgs --noise mask:0.1
--stacked --hidden 8
--sparsity jumprelu --layers 8,4
--decoder-norm unit --tied
--contamination 0.7 --trim 0.6 --batch 0
--noise blur:1
LIST
}

if [ $# -eq 2 ] && ! { [ -f "$2" ] && [ -x "$2" ]; }; then
	record "$(realpath "$1")" "$(realpath -m "$2")"
	exit 0
fi
if [ $# -lt 2 ]; then
	sed -n '2,20p' "$0"
	exit 2
fi
old=$(realpath "$1") new=$(realpath "$2")
work=$(realpath -m "${3:-$(mktemp -d)}")
record "$old" "$work/old"
record "$new" "$work/new"
python3 "$here/compare.py" compare "$work/old" "$work/new"
