package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// fixture is a small table (36 columns with a header, the last 20 of 400
// rows anomalies), label files in several codings and a model trained on
// the table, shared by the tests of the command line's conventions.
type fixture struct {
	dir, x, model string
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  string
)

const fixtureRows, fixtureCols, fixtureAnomalies = 400, 36, 20

func getFixture(t *testing.T) fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sae-fixture-*")
		if err != nil {
			fixtureErr = err.Error()
			return
		}
		fixtureDir = dir
		rng := rand.New(rand.NewPCG(21, 21))
		var b strings.Builder
		for j := 0; j < fixtureCols; j++ {
			fmt.Fprintf(&b, "%sf%d", map[bool]string{true: ",", false: ""}[j > 0], j)
		}
		b.WriteString("\n")
		codings := map[string][2]string{"y01.csv": {"0", "1"}, "ypm.csv": {"1", "-1"}, "y12.csv": {"1", "2"}, "y00.csv": {"0", "0"}}
		labels := map[string]*strings.Builder{}
		for name := range codings {
			labels[name] = &strings.Builder{}
			labels[name].WriteString("label\n")
		}
		for i := 0; i < fixtureRows; i++ {
			anom := i >= fixtureRows-fixtureAnomalies
			z1, z2 := rng.NormFloat64(), rng.NormFloat64()
			for j := 0; j < fixtureCols; j++ {
				v := z1*float64(j%5+1)/5 + z2*float64(j%3) + 0.05*rng.NormFloat64()
				if anom {
					v = 3 * rng.NormFloat64()
				}
				fmt.Fprintf(&b, "%s%.4f", map[bool]string{true: ",", false: ""}[j > 0], v)
			}
			b.WriteString("\n")
			for name, c := range codings {
				labels[name].WriteString(c[map[bool]int{false: 0, true: 1}[anom]] + "\n")
			}
		}
		os.WriteFile(filepath.Join(dir, "x.csv"), []byte(b.String()), 0o644)
		for name, l := range labels {
			os.WriteFile(filepath.Join(dir, name), []byte(l.String()), 0o644)
		}
		_, stderr, code := saeRun(t, "train", "--data", filepath.Join(dir, "x.csv"), "--out", filepath.Join(dir, "m"),
			"--hidden", "8", "--epochs", "20", "--quiet")
		if code != 0 {
			fixtureErr = stderr
		}
	})
	if fixtureErr != "" {
		t.Fatalf("fixture: %s", fixtureErr)
	}
	return fixture{dir: fixtureDir, x: filepath.Join(fixtureDir, "x.csv"), model: filepath.Join(fixtureDir, "m")}
}

func removeFixture() {
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
}

// TestConventionsGolden runs wrong or surprising invocations and compares
// each one's exit code and first line of stderr with
// testdata/conventions.golden ($DIR is the fixture's directory).
func TestConventionsGolden(t *testing.T) {
	f := getFixture(t)
	D := f.dir
	os.MkdirAll(D+"/saelens", 0o755)
	os.WriteFile(D+"/saelens/cfg.json", []byte("{}"), 0o644)
	os.WriteFile(D+"/saelens/sae_weights.safetensors", []byte("x"), 0o644)
	os.WriteFile(D+"/kl-k.json", []byte(`{"sparsity": "kl", "k": 4}`), 0o644)
	os.WriteFile(D+"/typo.json", []byte(`{"hiden": 4}`), 0o644)
	cases := [][]string{
		// A file for a directory and the other way round, other formats.
		{"score", "--model", f.x, "--data", f.x},
		{"score", "--model", f.model, "--data", f.model},
		{"train", "--data", f.model, "--out", D + "/new"},
		{"score", "--model", D + "/saelens", "--data", f.x},
		{"score", "--model", D + "/none", "--data", f.x},
		{"score", "--model", f.model, "--data", D + "/none.csv"},
		// Labels: one class, an unknown coding, scikit-learn's coding.
		{"score", "--model", f.model, "--data", f.x, "--labels", D + "/y00.csv"},
		{"score", "--model", f.model, "--data", f.x, "--labels", D + "/y12.csv"},
		{"score", "--model", f.model, "--data", f.x, "--labels", D + "/ypm.csv"},
		{"report", "--model", f.model, "--data", f.x, "--labels", D + "/y00.csv", "--out", D + "/r.html"},
		// 0 where 0 would silently stand for the default.
		{"train", "--data", f.x, "--out", D + "/new", "--lr", "0"},
		{"train", "--data", f.x, "--out", D + "/new", "--epochs", "0"},
		{"train", "--data", f.x, "--out", D + "/new", "--hidden", "0"},
		{"train", "--data", f.x, "--out", D + "/new", "--k", "0"},
		{"score", "--model", f.model, "--data", f.x, "--contamination", "0"},
		{"score", "--model", f.model, "--data", f.x, "--explain", "-1"},
		{"score", "--model", f.model, "--data", f.x, "--explain", "2", "--explain-features", "0"},
		{"score", "--model", f.model, "--data", f.x, "--contamination", "0.1", "--threshold", "0"},
		// The flag package's errors, spelled as the help spells flags.
		{"train", "--data", f.x, "--out", D + "/new", "--layers", "0,3"},
		{"train", "--data", f.x, "--out", D + "/new", "--epochs", "x"},
		{"train", "--data", f.x, "--out", D + "/new", "--tied=maybe"},
		{"train", "--data", f.x, "--out", D + "/new", "--no-such-flag"},
		{"train", "--data", f.x, "--out"},
		// Flags that would be ignored.
		{"train", "--data", f.x, "--out", D + "/new", "--val", f.x, "--val-split", "0.2"},
		{"train", "--data", f.x, "--out", D + "/new", "--val-labels", D + "/y01.csv"},
		{"eval", "--model", f.model, "--data", f.x, "--key", "y"},
		{"bench", "--model", f.model, "--data", f.x, "--test-fraction", "0.3"},
		{"bench", "--model", f.model, "--data", f.x, "--labels", D + "/y01.csv", "--test-fraction", "2"},
		// Tables with names: columns, missing values, stdin and stdout.
		{"score", "--model", f.model, "--data", f.x, "--drop", "f1,nope"},
		{"score", "--model", f.model, "--data", f.x, "--columns", "f0,f0"},
		{"score", "--model", f.model, "--data", f.x, "--nan", "zero"},
		{"score", "--model", f.model, "--data", f.x, "--nan", "drop", "--labels", D + "/y01.csv"},
		{"score", "--model", f.model, "--data", f.x, "--out", "-", "--json"},
		{"train", "--data", f.x, "--out", D + "/new", "--nan", "median", "--stream", "on"},
		{"sweep", "--data", f.x, "--out", D + "/sw", "--set", "k=2", "--nan", "drop"},
		// A table is not drawn as images.
		{"report", "--model", f.model, "--out", D + "/r.html"},
		{"report", "--model", f.model, "--out", D + "/r.html", "--image-shape", "none"},
		{"report", "--model", f.model, "--out", D + "/r.html", "--image-shape", "5x5"},
		// Outputs for programs.
		{"encode", "--model", f.model, "--data", f.x, "--sparse", "--out", D + "/c.npy"},
		{"predict", "--model", f.model, "--data", f.x, "--out", D + "/p.npz"},
		{"score", "--model", f.model, "--data", f.x, "--labels", D + "/y01.csv", "--labels-key", "y"},
		// Settings from a file.
		{"train", "--data", f.x, "--out", D + "/new", "--config", D + "/kl-k.json"},
		{"train", "--data", f.x, "--out", D + "/new", "--config", D + "/typo.json"},
		{"train", "--data", f.x, "--out", D + "/new", "--config", D + "/x.csv"},
		{"train", "--data", f.x, "--out", D + "/new", "--config", f.model + "/config.json"},
		{"train", "--data", f.x, "--out", D + "/new", "--from-model", f.model, "--sparsity", "kl"},
		{"train", "--data", f.x, "--out", D + "/new", "--from-model", D},
		{"train", "--data", f.x, "--out", D + "/new", "--from-model", f.model, "--config", D + "/kl-k.json"},
		{"completion", "tcsh"},
	}
	var got strings.Builder
	for _, args := range cases {
		_, stderr, code := saeRun(t, args...)
		first, _, _ := strings.Cut(stderr, "\n")
		line := fmt.Sprintf("sae %s\n  exit %d: %s\n", strings.Join(args, " "), code, first)
		got.WriteString(strings.ReplaceAll(line, D, "$DIR"))
	}
	golden := filepath.Join("testdata", "conventions.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/sae -run Conventions -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("conventions differ from %s (run go test ./cmd/sae -run Conventions -update if intended):\n%s", golden, got.String())
	}
}

// Labels coded +1 normal and -1 anomaly (scikit-learn, PyOD) score as
// well as 0/1 labels of the same rows, where they gave auroc NaN.
func TestScoreLabelCodings(t *testing.T) {
	f := getFixture(t)
	var auc [2]float64
	for i, name := range []string{"y01.csv", "ypm.csv"} {
		out, stderr, code := saeRun(t, "score", "--model", f.model, "--data", f.x, "--labels", filepath.Join(f.dir, name), "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		a, ok := lastJSON(t, out)["auroc"].(float64)
		if !ok || a < 0.9 {
			t.Errorf("%s: auroc %v on planted anomalies", name, lastJSON(t, out)["auroc"])
		}
		auc[i] = a
	}
	if auc[0] != auc[1] {
		t.Errorf("auroc %g with 0/1 labels, %g with +1/-1", auc[0], auc[1])
	}
}

// score --threshold 0 flags every row scoring above 0, where it meant the
// model's threshold.
func TestScoreThresholdZero(t *testing.T) {
	f := getFixture(t)
	out, stderr, code := saeRun(t, "score", "--model", f.model, "--data", f.x, "--threshold", "0", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	o := lastJSON(t, out)
	if o["threshold"] != 0.0 || o["n_flagged"] != float64(fixtureRows) {
		t.Errorf("--threshold 0: threshold %v, %v of %d rows flagged", o["threshold"], o["n_flagged"], fixtureRows)
	}
}

// writeNPY3 writes x's rows as a float32 .npy array of shape [n, h, w].
func writeNPY3(t *testing.T, path string, x []float32, n, h, w int) {
	t.Helper()
	hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d), }", n, h, w)
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	b = append(b, hdr...)
	for _, v := range x {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The report draws the inputs as images only for data of images: a table
// of 36 columns is not 6x6 pictures, the same values as an array
// [n, 6, 6] are, and --image-shape none turns them off.
func TestReportImagesOnlyForImages(t *testing.T) {
	f := getFixture(t)
	x, err := data.Load(f.x, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	images := filepath.Join(t.TempDir(), "x.npy")
	writeNPY3(t, images, x.Data, x.Rows, 6, 6)
	for _, c := range []struct {
		args  []string
		image bool
	}{
		{[]string{"--data", f.x}, false},
		{nil, false},
		{[]string{"--data", images}, true},
		{[]string{"--data", images, "--image-shape", "none"}, false},
		{[]string{"--image-shape", "6x6"}, true},
	} {
		page := filepath.Join(t.TempDir(), "r.html")
		_, stderr, code := saeRun(t, append([]string{"report", "--model", f.model, "--out", page}, c.args...)...)
		if code != 0 {
			t.Fatalf("report %v: exit %d: %s", c.args, code, stderr)
		}
		html, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(html), "Learned features"); got != c.image {
			t.Errorf("report %v: features drawn as images: %v, want %v", c.args, got, c.image)
		}
		if strings.Contains(string(html), "first 100 of") {
			t.Errorf("report %v: says the first 100 of fewer features", c.args)
		}
	}
}

// A model that reconstructed its validation rows worse than each column's
// mean at training is used with a warning by score, reconstruct and
// report; a good one without.
func TestPoorFitWarned(t *testing.T) {
	f := getFixture(t)
	poor := filepath.Join(t.TempDir(), "poor")
	os.MkdirAll(poor, 0o755)
	for _, name := range []string{"config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(f.model, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "config.json" {
			var cfg map[string]any
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			cfg["training"].(map[string]any)["val_metrics"].(map[string]any)["fvu"] = 1.03
			b, _ = json.Marshal(cfg)
		}
		os.WriteFile(filepath.Join(poor, name), b, 0o644)
	}
	if _, err := os.Stat(filepath.Join(f.model, "detector")); err == nil {
		os.Symlink(filepath.Join(f.model, "detector"), filepath.Join(poor, "detector"))
	}
	m, err := sae.Load(poor)
	if err != nil {
		t.Fatal(err)
	}
	selfScored := m.Scorers()[0] == m
	out := t.TempDir()
	for _, model := range []string{f.model, poor} {
		for _, args := range [][]string{
			{"score", "--data", f.x},
			{"reconstruct", "--data", f.x, "--out", out + "/r.npy"},
			{"report", "--data", f.x, "--out", out + "/r.html"},
		} {
			_, stderr, code := saeRun(t, append(args, "--model", model)...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			if got, want := strings.Contains(stderr, "worse than predicting each column's mean at training (fvu 1.030)"), model == poor; got != want {
				t.Errorf("%s %v: warned %v, want %v: %q", model, args, got, want, stderr)
			}
			// A dictionary's scores come from the autoencoders beside it,
			// which its poor reconstruction does not touch.
			if model == poor && strings.Contains(stderr, "its scores and reconstructions mean little") != selfScored {
				t.Errorf("%v: the warning blames the scores %v, want %v: %q", args, !selfScored, selfScored, stderr)
			}
		}
	}
}

// An interrupted command exits 130, as a shell reports Ctrl-C, and an
// interrupted training says how not to lose the next one.
func TestInterruptExits130(t *testing.T) {
	f := getFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	dir := t.TempDir()
	code := run(ctx, []string{"train", "--data", f.x, "--out", dir + "/m", "--epochs", "5"}, &out, &errb)
	want := "sae train: interrupted (nothing was written to " + dir + "/m; with --checkpoint-every N a rerun with --resume continues where a run stopped)\n"
	if code != 130 || errb.String() != want {
		t.Errorf("exit %d, stderr %q; want 130, %q", code, errb.String(), want)
	}
	if _, err := os.Stat(dir + "/m"); err == nil {
		t.Errorf("an interrupted run wrote its model")
	}
}

// sae version names the commit the binary was built from, when the build
// recorded it.
func TestVersionLine(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-06T06:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if got, want := versionLine(info), "sae "+sae.Version+" (commit 0123456789ab, 2026-12-06T06:00:00Z, with uncommitted changes, go1.26.0)"; got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
	if got, want := versionLine(&debug.BuildInfo{GoVersion: "go1.26.0"}), "sae "+sae.Version+" (go1.26.0)"; got != want {
		t.Errorf("without VCS: %q, want %q", got, want)
	}
	out, _, code := saeRun(t, "version")
	if code != 0 || !strings.HasPrefix(out, "sae "+sae.Version) {
		t.Errorf("sae version: exit %d, %q", code, out)
	}
	if out, _, _ := saeRun(t, "help"); !strings.Contains(out, "\n  version ") {
		t.Errorf("sae help does not list version:\n%s", out)
	}
}

// Every flag of sae train is in exactly one group of its help.
func TestTrainFlagsGrouped(t *testing.T) {
	fs, _ := newFlagSet(lookup("train"), &env{})
	seen := map[string]int{}
	for _, g := range trainGroups {
		for _, f := range g.flags {
			seen[f]++
			if fs.Lookup(f) == nil {
				t.Errorf("group %s lists --%s, which sae train lacks", g.title, f)
			}
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if seen[f.Name] != 1 {
			t.Errorf("--%s is in %d groups of sae train's help, want 1", f.Name, seen[f.Name])
		}
	})
}

// saeRunInteractive runs a command as at a terminal (progress shown).
func saeRunInteractive(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	c := lookup(args[0])
	e := &env{stdout: &out, stderr: &errb, interactive: true, name: c.name, started: time.Now()}
	fs, do := newFlagSet(c, e)
	if err := fs.Parse(args[1:]); err != nil {
		t.Fatal(err)
	}
	err := do(context.Background())
	return out.String(), errb.String(), err
}
