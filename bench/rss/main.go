// Command rss measures the peak resident memory of training: the KL sigmoid
// autoencoder of bench/train/compare.py (784 -> 1024, batch 256 on
// Fashion-MNIST by default), its data read from disk a batch at a time,
// in a program that holds nothing but the library. It prints one JSON
// object: peak RSS (VmHWM, split into anonymous memory and the program's
// own mapped files) beside the bytes the training state needs: parameters,
// Adam's two moments, the gradient and one batch's buffers.
//
//	go run ./bench/rss [-data F] [-hidden 1024] [-batch 256] [-epochs 1]
//
// bench/rss.sh builds it without cgo (a static binary) and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

func main() {
	path := flag.String("data", "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "training data (.npy or IDX)")
	hidden := flag.Int("hidden", 1024, "latents")
	batch := flag.Int("batch", 256, "batch size")
	epochs := flag.Int("epochs", 1, "epochs")
	threads := flag.Int("threads", 2, "threads")
	flag.Parse()
	if err := run(*path, *hidden, *batch, *epochs, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "rss:", err)
		os.Exit(1)
	}
}

func run(path string, hidden, batch, epochs, threads int) error {
	src, err := data.OpenRows(path, data.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	rows, d := src.Dims()
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Batch, cfg.Epochs, cfg.Threads = hidden, batch, epochs, threads
	cfg.Activation, cfg.Sparsity, cfg.Rho, cfg.Beta = sae.Sigmoid, sae.SparsityKL, 0.05, 3
	cfg.WeightDecay, cfg.LR, cfg.Warmup, cfg.Decay = 1e-4, 1e-3, 0, "none"
	cfg.ValSplit, cfg.Patience, cfg.Contamination = 0, 0, 0
	cfg.Normalize, cfg.Trim = sae.NormalizeNone, 0
	// One autoencoder, the state counted below: the anomaly detector's
	// defaults train more members and keep neighbour samples beside it.
	cfg.Ensemble, cfg.Neighbours = 1, -1
	m, err := sae.Train(context.Background(), src, cfg, sae.TrainOptions{})
	if err != nil {
		return err
	}
	h := hidden
	params := int64(2*d*h + d + h)
	// One batch's buffers: the batch itself, the code and its gradient
	// [B, h], the output and its gradient [B, d].
	batchBuf := int64(batch) * int64(d+2*h+2*d)
	const mib = 1 << 20
	need := 4 * (params * 4) // parameters, Adam's m and v, the gradient
	need += 4 * batchBuf
	st := procStatus()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := map[string]any{
		"rows": rows, "cols": d, "hidden": h, "batch": batch, "epochs": epochs,
		"final_loss":         m.History.FinalLoss,
		"samples_per_second": m.History.SamplesPerSecond,
		"params_mib":         float64(4*params) / mib,
		"state_mib":          float64(need) / mib,
		"peak_rss_mib":       float64(st["VmHWM"]) / 1024,
		"rss_anon_mib":       float64(st["RssAnon"]) / 1024,
		"rss_file_mib":       float64(st["RssFile"]) / 1024,
		"heap_sys_mib":       float64(ms.HeapSys) / mib,
		"go_sys_mib":         float64(ms.Sys) / mib,
	}
	out["ratio"] = out["peak_rss_mib"].(float64) / out["state_mib"].(float64)
	return json.NewEncoder(os.Stdout).Encode(out)
}

// procStatus returns the kB fields of /proc/self/status.
func procStatus() map[string]int64 {
	b, _ := os.ReadFile("/proc/self/status")
	st := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		f := strings.Fields(v)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		st[k] = n
	}
	return st
}
