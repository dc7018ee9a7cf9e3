package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/sweep"
)

// sameModel fails unless the model directories a and b hold the same
// weights and the same settings.
func sameModel(t *testing.T, what, a, b string) {
	t.Helper()
	wa, err := os.ReadFile(filepath.Join(a, sae.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := os.ReadFile(filepath.Join(b, sae.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wa, wb) {
		t.Errorf("%s: the weights differ", what)
	}
	ma, err := sae.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := sae.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if ca, cb := ma.Config, mb.Config; !bytes.Equal(mustJSON(t, ca), mustJSON(t, cb)) {
		t.Errorf("%s: settings differ:\n%s\n%s", what, mustJSON(t, ca), mustJSON(t, cb))
	}
}

// TestTrainFromModelReruns checks that --from-model trains the model
// again: for models of several kinds and schedules, the rerun's weights
// are the original's to the byte. Reading back a setting wrongly (a
// default taken for the model's value, a kind's resolved value refused)
// fails it.
func TestTrainFromModelReruns(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir)
	runs := map[string][]string{
		"default":   {"--epochs", "3"},
		"plateau":   {"--batch", "64", "--patience", "1"},
		"kl":        {"--sparsity", "kl", "--rho", "0.1", "--epochs", "3", "--hidden", "5"},
		"l1 target": {"--sparsity", "l1", "--l1", "0.01", "--target-l0", "3", "--epochs", "3", "--normalize", "standard"},
		"jumprelu":  {"--sparsity", "jumprelu", "--hidden", "12", "--epochs", "3", "--lr", "0.01"},
		"deep vae":  {"--variational", "--layers", "6,3", "--epochs", "3", "--activation", "tanh"},
		"stacked":   {"--stacked", "--layers", "6,4", "--epochs", "2", "--labels", y},
	}
	for name, flags := range runs {
		orig := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		args := append([]string{"train", "--data", x, "--out", orig, "--threads", "1", "--ensemble", "1"}, flags...)
		if _, stderr, code := saeRun(t, args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		again := orig + "-again"
		args = []string{"train", "--data", x, "--out", again, "--from-model", orig}
		if name == "stacked" {
			args = append(args, "--labels", y)
		}
		if _, stderr, code := saeRun(t, args...); code != 0 {
			t.Fatalf("%s again: exit %d: %s", name, code, stderr)
		}
		sameModel(t, name, orig, again)
	}
	// A stacked model with labels says to give them again.
	_, stderr, code := saeRun(t, "train", "--data", x, "--out", filepath.Join(dir, "nolabels"), "--from-model", filepath.Join(dir, "stacked"))
	if code != 0 || !strings.Contains(stderr, "was trained with --labels") {
		t.Errorf("rerun of a labelled model without --labels: exit %d, stderr %q", code, stderr)
	}
}

// TestTrainConfigFile checks that --config gives the settings its flags
// would, that flags given override it, and that a bad file is refused
// naming the file and the setting.
func TestTrainConfigFile(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	cfgFile := filepath.Join(dir, "train.json")
	write := func(s string) {
		if err := os.WriteFile(cfgFile, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	train := func(out string, args ...string) {
		t.Helper()
		args = append([]string{"train", "--data", x, "--out", filepath.Join(dir, out), "--threads", "1"}, args...)
		if _, stderr, code := saeRun(t, args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", out, code, stderr)
		}
	}
	write(`{"sparsity": "l1", "l1": 0.003, "hidden": 6, "epochs": 3, "weight_decay": 0, "target_l0": 2}`)
	train("flags", "--sparsity", "l1", "--l1", "0.003", "--hidden", "6", "--epochs", "3", "--weight-decay", "0", "--target-l0", "2")
	train("file", "--config", cfgFile)
	sameModel(t, "--config", filepath.Join(dir, "flags"), filepath.Join(dir, "file"))

	// A flag given overrides the file, also with the flag's default value.
	train("override", "--config", cfgFile, "--epochs", "2", "--weight-decay", "0.0001")
	m, err := sae.Load(filepath.Join(dir, "override"))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.Epochs != 2 || c.WeightDecay != 1e-4 || c.L1 == 0.003 || c.Hidden != 6 {
		t.Errorf("flags over the file: epochs %d weight decay %g (want 2, 0.0001), hidden %d (want 6), l1 %g (tuned from 0.003)", c.Epochs, c.WeightDecay, c.Hidden, c.L1)
	}

	for _, tc := range []struct{ file, flags, want string }{
		{`{"hiden": 4}`, "", `unknown setting "hiden"`},
		{`{"sparsity": "kl", "k": 4}`, "", "train.json: k applies to sparsity topk"},
		{`{"lr": 0}`, "", "train.json: lr 0 would silently mean the default"},
		{`{"epochs": "x"}`, "", `train.json: epochs "x": want a JSON int`},
		{`{"epochs": 2, "epochs": 3}`, "", "given twice"},
		{`[1]`, "", "train.json: want a JSON object"},
		{`{"sparsity": "kl"}`, "--k 4", "--k applies to --sparsity"},
		{`{"format": "sae-model", "config": {}}`, "", "is a model's config.json: give its directory as --from-model"},
		{`{}`, "--from-model " + dir, "--config and --from-model exclude each other"},
	} {
		write(tc.file)
		args := []string{"train", "--data", x, "--out", filepath.Join(dir, "bad"), "--config", cfgFile}
		args = append(args, strings.Fields(tc.flags)...)
		_, stderr, code := saeRun(t, args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", tc.file, tc.flags, code, stderr, tc.want)
		}
	}
	_, stderr, code := saeRun(t, "train", "--data", x, "--out", filepath.Join(dir, "bad"), "--from-model", dir)
	if code != 1 || !strings.Contains(stderr, "not a model directory") {
		t.Errorf("--from-model of a directory without a model: exit %d, %q", code, stderr)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSweepConfigFile checks that sae sweep takes --config as every
// trial's settings, a trial's own values and the flags over it.
func TestSweepConfigFile(t *testing.T) {
	dir := t.TempDir()
	x := sweepData(t, dir, 300)
	cfgFile := filepath.Join(dir, "base.json")
	if err := os.WriteFile(cfgFile, []byte(`{"hidden": 24, "k": 3, "epochs": 2, "lr": 0.02, "threads": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s")
	if _, stderr, code := saeRun(t, "sweep", "--data", x, "--out", out, "--config", cfgFile, "--set", "k=2,5", "--lr", "0.01", "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for i, k := range []int{2, 5} {
		m, err := sae.Load(filepath.Join(out, (sweep.Spec{Trials: make([]sweep.Settings, 2)}).Name(i)))
		if err != nil {
			t.Fatal(err)
		}
		if c := m.Config; c.Hidden != 24 || c.K != k || c.Epochs != 2 || c.LR != 0.01 {
			t.Errorf("trial %d: hidden %d k %d epochs %d lr %g; want 24, %d, 2, 0.01", i, c.Hidden, c.K, c.Epochs, c.LR, k)
		}
	}
}
