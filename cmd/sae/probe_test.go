package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeProbeData writes n rows of d features and their labels: class c's
// rows carry sparse pattern c (three of the d columns) at a random
// strength, plus noise and a random distractor column.
func writeProbeData(t *testing.T, dir, name string, n int, seed uint64) (string, string) {
	t.Helper()
	const d, classes = 16, 4
	rng := rand.New(rand.NewPCG(seed, 7))
	patterns := [classes][3]int{{0, 5, 9}, {1, 6, 12}, {2, 7, 14}, {3, 10, 15}}
	var xb, yb strings.Builder
	for i := 0; i < n; i++ {
		c := rng.IntN(classes)
		row := make([]float64, d)
		for j := range row {
			row[j] = 0.1 * rng.NormFloat64()
		}
		s := 0.5 + rng.Float64()
		for _, j := range patterns[c] {
			row[j] += s
		}
		row[rng.IntN(d)] += 0.5 * rng.Float64()
		for j, v := range row {
			if j > 0 {
				xb.WriteByte(',')
			}
			fmt.Fprintf(&xb, "%.4f", v)
		}
		xb.WriteByte('\n')
		fmt.Fprintf(&yb, "%d\n", c)
	}
	x := filepath.Join(dir, name+"-x.csv")
	y := filepath.Join(dir, name+"-y.csv")
	if err := os.WriteFile(x, []byte(xb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(y, []byte(yb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return x, y
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	x, y := writeProbeData(t, dir, "train", 800, 1)
	xt, yt := writeProbeData(t, dir, "test", 400, 2)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "8", "--epochs", "40", "--lr", "0.01",
		"--normalize", "standard", "--activation", "relu", "--sparsity", "l1", "--l1", "1e-3", "--quiet"); code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	args := []string{"probe", "--model", model, "--data", x, "--labels", y, "--test", xt, "--test-labels", yt}
	// At a terminal, each long step says so (a probe on Fashion-MNIST ran
	// 174 s without a word).
	_, stderr, err := saeRunInteractive(t, args...)
	for _, want := range []string{"sae probe: [0s] encoding 800 training and 400 test rows\n", "] fitting the probe on the codes (8 features, 4 classes): the L2 picked", "] fitting the probe on the raw input (16 features"} {
		if err != nil || !strings.Contains(stderr, want) {
			t.Errorf("probe at a terminal: %v, stderr lacks %q:\n%s", err, want, stderr)
		}
	}
	out, stderr, code := saeRun(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("probe exit %d: %s", code, stderr)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("probe --json printed more than one line:\n%s", out)
	}
	p := lastJSON(t, out)
	requireKeys(t, "probe", p, "n_train", "n_test", "classes", "code_accuracy", "raw_accuracy", "gain", "code_dim", "raw_dim", "code_l2", "raw_l2")
	if p["n_train"] != 800.0 || p["n_test"] != 400.0 || p["classes"] != 4.0 || p["code_dim"] != 8.0 || p["raw_dim"] != 16.0 {
		t.Errorf("probe sizes: %v", p)
	}
	codeAcc, rawAcc := p["code_accuracy"].(float64), p["raw_accuracy"].(float64)
	if rawAcc < 0.95 || codeAcc < 0.6 || codeAcc > 1 {
		t.Errorf("accuracies: codes %.3f, raw %.3f; want raw >= 0.95 (separable patterns), codes >= 0.6", codeAcc, rawAcc)
	}
	// The gain is the difference, as a whole number of the 400 test rows.
	if g := p["gain"].(float64); math.Abs(g-(codeAcc-rawAcc)) > 1e-12 || g*400 != math.Round(codeAcc*400)-math.Round(rawAcc*400) {
		t.Errorf("gain %v, want code_accuracy - raw_accuracy = %v in whole rows", g, codeAcc-rawAcc)
	}

	// --codes-only fits the same code probe and no raw one.
	out, stderr, code = saeRun(t, append(args, "--codes-only", "--json")...)
	if code != 0 {
		t.Fatalf("probe --codes-only exit %d: %s", code, stderr)
	}
	c := lastJSON(t, out)
	requireKeys(t, "probe --codes-only", c, "n_train", "n_test", "classes", "code_accuracy", "code_dim", "code_l2")
	for _, k := range []string{"raw_accuracy", "raw_l2", "gain"} {
		if _, ok := c[k]; ok {
			t.Errorf("probe --codes-only printed %q: %v", k, c)
		}
	}
	if c["code_accuracy"] != codeAcc || c["code_l2"] != p["code_l2"] {
		t.Errorf("probe --codes-only: code accuracy %v at L2 %v, want the full run's %v at %v", c["code_accuracy"], c["code_l2"], codeAcc, p["code_l2"])
	}

	// A fixed L2 skips the search; the text output is a table.
	out, stderr, code = saeRun(t, append(args, "--l2", "1e-3")...)
	if code != 0 {
		t.Fatalf("probe --l2 exit %d: %s", code, stderr)
	}
	for _, want := range []string{"codes", "raw input", "gain (codes - raw)", "1e-03"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe text output lacks %q:\n%s", want, out)
		}
	}
}

func TestProbeErrors(t *testing.T) {
	dir := t.TempDir()
	x, y := writeProbeData(t, dir, "train", 200, 3)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "4", "--epochs", "2", "--quiet"); code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	full := []string{"--model", model, "--data", x, "--labels", y, "--test", x, "--test-labels", y}
	for _, args := range [][]string{
		{"probe", "--model", model, "--data", x, "--test", x, "--test-labels", y},
		{"probe", "--model", model, "--data", x, "--labels", y, "--test-labels", y},
		{"probe", "--data", x, "--labels", y, "--test", x, "--test-labels", y},
		append([]string{"probe", "--l2", "-1"}, full...),
		append([]string{"probe", "--val-split", "1"}, full...),
		append([]string{"probe", "--threads", "-2"}, full...),
		append([]string{"probe", "stray"}, full...),
	} {
		_, stderr, code := saeRun(t, args...)
		if code != 2 {
			t.Errorf("sae %s: exit %d, want 2 (stderr %q)", strings.Join(args, " "), code, stderr)
		}
	}

	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("0\n1\n2\n"), 0o644)
	negative := filepath.Join(dir, "negative.csv")
	labels, _ := os.ReadFile(y)
	os.WriteFile(negative, []byte("-1\n"+strings.SplitN(string(labels), "\n", 2)[1]), 0o644)
	huge := filepath.Join(dir, "huge.csv")
	os.WriteFile(huge, []byte("100000000\n"+strings.SplitN(string(labels), "\n", 2)[1]), 0o644)
	for _, tc := range []struct {
		args []string
		file string
	}{
		{[]string{"--labels", short, "--test-labels", y}, short},
		{[]string{"--labels", y, "--test-labels", short}, short},
		{[]string{"--labels", negative, "--test-labels", y}, negative},
		{[]string{"--labels", y, "--test-labels", huge}, huge},
	} {
		args := append([]string{"probe", "--model", model, "--data", x, "--test", x}, tc.args...)
		_, stderr, code := saeRun(t, args...)
		if code != 1 || !strings.Contains(stderr, tc.file) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("sae %s: exit %d, stderr %q; want exit 1 and one line naming %s", strings.Join(args, " "), code, stderr, tc.file)
		}
	}
}
