package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sae bench prints SAEBench's keys under its categories; labels add sparse
// probing; a mismatched label file is refused naming it.
func TestBenchJSON(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir)
	model := filepath.Join(dir, "m")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "32", "--sparsity", "topk", "--k", "3", "--epochs", "2"); code != 0 {
		t.Fatal(stderr)
	}
	stdout, stderr, code := saeRun(t, "bench", "--model", model, "--data", x, "--labels", y, "--meta-steps", "50", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	o := lastJSON(t, stdout)
	core, _ := o["core"].(map[string]any)
	for cat, keys := range map[string][]string{
		"reconstruction_quality": {"explained_variance", "mse", "cossim"},
		"shrinkage":              {"l2_ratio", "relative_reconstruction_bias", "l2_norm_in", "l2_norm_out"},
		"sparsity":               {"l0", "l1"},
		"misc_metrics":           {"freq_over_1_percent", "freq_over_10_percent", "average_max_encoder_cosine_sim", "average_max_decoder_cosine_sim", "frac_alive"},
	} {
		m, _ := core[cat].(map[string]any)
		requireKeys(t, "bench core."+cat, m, keys...)
	}
	sp, _ := o["sparse_probing"].(map[string]any)
	sae, _ := sp["sae"].(map[string]any)
	requireKeys(t, "bench sparse_probing.sae", sae, "sae_top_1_test_accuracy", "sae_top_2_test_accuracy", "sae_top_5_test_accuracy")
	meta, _ := o["meta_structure"].(map[string]any)
	ms, _ := meta["meta_structure"].(map[string]any)
	requireKeys(t, "bench meta_structure", ms, "decoder_fraction_variance_explained", "final_reconstruction_mse", "train_time_seconds")
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("1\n0\n"), 0o644)
	_, stderr, code = saeRun(t, "bench", "--model", model, "--data", x, "--labels", short, "--meta-steps", "0")
	if code != 1 || !strings.Contains(stderr, short+": 2 labels for 300 rows") {
		t.Fatalf("short labels: exit %d, %q", code, stderr)
	}
}
