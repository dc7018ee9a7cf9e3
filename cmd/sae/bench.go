package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/sae-go/sae/internal/saebench"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "SAEBench's metrics that need no language model (core, sparse probing, meta-SAE), under its JSON names",
		usage:   "--model DIR --data F [--labels F] [--json]",
		examples: []string{
			"sae bench --model dict --data acts.parquet --column emb",
			"sae bench --model dict --data cache/ --labels classes.npy --json > dict-saebench.json",
			"sae bench --model dict --data acts.npy --meta-steps 0   # no meta-SAE",
		},
		setup: setupBench,
	})
}

func setupBench(fs *flag.FlagSet, e *env) func(context.Context) error {
	var modelDir, dataPath, key, labelsPath string
	var popt saebench.ProbeOptions
	var mopt saebench.MetaOptions
	fs.StringVar(&modelDir, "model", "", "model `dir`ectory (a one-layer model)")
	fs.StringVar(&dataPath, "data", "", "activations `file` or directory, read a chunk at a time")
	fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
	fs.StringVar(&labelsPath, "labels", "", "class labels `file`, one per row of --data: adds sparse probing")
	fs.Float64Var(&popt.TestFraction, "test-fraction", 0.2, "sparse probing: `fraction` of the rows held out to measure accuracy")
	fs.Uint64Var(&popt.Seed, "seed", 1, "sparse probing: `seed` of the split and of the negatives' draw")
	fs.IntVar(&mopt.Steps, "meta-steps", 1500, "meta-SAE: training `steps` of 1024 decoder rows (0: no meta-SAE)")
	fs.IntVar(&mopt.Threads, "threads", 0, "`N` cores for the meta-SAE's training (default: all)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout: core, sparse_probing, meta_structure, each as SAEBench's eval_result_metrics")
	e.quietFlag(fs)
	return func(ctx context.Context) error {
		if mopt.Steps < 0 {
			return usagef("--meta-steps %d: want 0 or more", mopt.Steps)
		}
		if labelsPath == "" && (flagSet(fs, "test-fraction") || flagSet(fs, "seed")) {
			return usagef("--test-fraction and --seed apply to sparse probing, with --labels")
		}
		if popt.TestFraction <= 0 || popt.TestFraction >= 1 {
			return usagef("--test-fraction %g: want a fraction in (0, 1)", popt.TestFraction)
		}
		m, err := loadModel(modelDir)
		if err != nil {
			return err
		}
		src, _, closeData, err := e.openData(dataPath, key, "auto", m)
		if err != nil {
			return err
		}
		defer closeData()
		n, d := src.Dims()
		if d != m.Inputs {
			return fmt.Errorf("%s: rows have %d values, the model expects %d", dataPath, d, m.Inputs)
		}
		if _, _, err := saebench.FoldedWeights(m); err != nil {
			return fmt.Errorf("%s: %v", modelDir, err)
		}
		out := map[string]any{"model": modelDir, "data": dataPath, "n": n}
		e.step("core metrics over %d rows", n)
		core, _, err := saebench.CoreMetrics(ctx, m, src)
		if err != nil {
			return err
		}
		out["core"] = core
		var probing *saebench.Probing
		if labelsPath != "" {
			labels, err := e.loadLabels(labelsPath)
			if err != nil {
				return err
			}
			if len(labels) != n {
				return fmt.Errorf("%s: %d labels for %d rows of %s", labelsPath, len(labels), n, dataPath)
			}
			e.step("sparse probing (k = 1, 2, 5)")
			p, err := saebench.SparseProbing(ctx, m, src, labels, popt)
			if err != nil {
				return fmt.Errorf("%s: %v", labelsPath, err)
			}
			probing, out["sparse_probing"] = &p, p
		}
		var meta *saebench.Meta
		if mopt.Steps > 0 {
			e.step("training the meta-SAE on the decoder rows (%d steps)", mopt.Steps)
			mt, err := saebench.MetaSAE(ctx, m, mopt)
			if err != nil {
				return fmt.Errorf("meta-SAE: %v", err)
			}
			meta, out["meta_structure"] = &mt, map[string]any{"meta_structure": mt}
		}
		if e.json {
			return printJSON(e.stdout, out)
		}
		printBench(e, m.String(), dataPath, n, core, probing, meta)
		return nil
	}
}

// printBench writes the metrics as text.
func printBench(e *env, model, dataPath string, n int, c saebench.Core, p *saebench.Probing, meta *saebench.Meta) {
	w := e.stdout
	rq, sh, mi := c.ReconstructionQuality, c.Shrinkage, c.Misc
	fmt.Fprintf(w, "%s on %d rows of %s (SAEBench metrics without a language model)\n", model, n, dataPath)
	fmt.Fprintf(w, "core\n  explained_variance  %.4f\n  mse                 %.6g\n  cossim              %.4f\n", rq.ExplainedVariance, rq.MSE, rq.Cossim)
	fmt.Fprintf(w, "  l2_ratio            %.4f\n  relative_reconstruction_bias %.4f\n  l0                  %.2f\n  l1                  %.4g\n", sh.L2Ratio, sh.RelativeReconstructionBias, c.Sparsity.L0, c.Sparsity.L1)
	fmt.Fprintf(w, "misc\n  frac_alive          %.4f\n  freq_over_1_percent %.4f\n  freq_over_10_percent %.4f\n", mi.FracAlive, mi.FreqOver1Percent, mi.FreqOver10Percent)
	fmt.Fprintf(w, "  average_max_encoder_cosine_sim %.4f\n  average_max_decoder_cosine_sim %.4f\n", mi.AverageMaxEncoderCosineSim, mi.AverageMaxDecoderCosineSim)
	if p != nil {
		fmt.Fprintf(w, "sparse probing (%d one-against-the-rest tasks): test accuracy with the top k latents (input columns)\n", p.Classes)
		for _, k := range saebench.ProbeKs {
			fmt.Fprintf(w, "  k=%d  %.4f (%.4f)\n", k, p.SAE[fmt.Sprintf("sae_top_%d_test_accuracy", k)], p.LLM[fmt.Sprintf("llm_top_%d_test_accuracy", k)])
		}
	}
	if meta != nil {
		fmt.Fprintf(w, "meta-SAE on the decoder rows\n  decoder_fraction_variance_explained %.4f (trained in %.1fs)\n", meta.DecoderFractionVarianceExplained, meta.TrainTimeSeconds)
	}
}
