package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sae runs the command line and returns stdout, stderr and the exit code.
func saeRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestHelpGolden(t *testing.T) {
	cases := map[string][]string{"help": {"help"}}
	for _, c := range commands {
		cases[c.name+"-help"] = []string{c.name, "--help"}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out, _, code := saeRun(t, args...)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if out != string(want) {
				t.Errorf("help output differs from %s (run go test ./cmd/sae -update if intended):\n%s", golden, out)
			}
		})
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"train", "--no-such-flag"},
		{"train", "--out", dir + "/m"},
		{"train", "--data", "x.csv"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--activation", "swish"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--rho", "2"},
		{"encode", "--model", dir, "--data", "x.csv", "--out", dir + "/codes.txt"},
		{"score", "--model", dir, "--data", "x.csv", "--contamination", "0.7"},
		{"eval", "stray-argument"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "topk", "--activation", "sigmoid"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "topk", "--weight-decay", "1e-3"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "l1", "--k", "4"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "topk", "--layers", "6,4"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "jumprelu", "--activation", "sigmoid"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "l1", "--l0-coef", "0.1"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "jumprelu", "--bandwidth", "-1"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "kl", "--l1-weight", "decoder"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "l1", "--l1-weight", "rows"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "topk", "--target-l0", "5"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "l1", "--activation", "sigmoid", "--target-l0", "5"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "l1", "--target-l0", "5", "--optimizer", "lbfgs"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "topk", "--groups", "4,8"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "matryoshka", "--groups", "8,4"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "matryoshka", "--l1", "0.1"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "batchtopk", "--group-weight", "0.5"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "matryoshka", "--group-weight", "-1"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "matryoshka", "--group-weight", "0"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "matryoshka", "--target-l0", "5"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "gated", "--k", "4"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "gated", "--layers", "6,4"},
		{"train", "--data", "x.csv", "--out", dir + "/m", "--sparsity", "gated", "--l1", "0", "--target-l0", "5"},
	} {
		_, stderr, code := saeRun(t, args...)
		if code != 2 {
			t.Errorf("sae %s: exit %d, want 2 (stderr %q)", strings.Join(args, " "), code, stderr)
		}
		if strings.Contains(stderr, "goroutine") {
			t.Errorf("sae %s: stack trace on stderr", strings.Join(args, " "))
		}
	}
}

// writeCSV writes a small data set with a header, the last rows anomalies.
func writeData(t *testing.T, dir string) (string, string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	const n, d = 300, 8
	var b strings.Builder
	var lb strings.Builder
	lb.WriteString("label\n")
	for j := 0; j < d; j++ {
		if j > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "f%d", j)
	}
	b.WriteString("\n")
	for i := 0; i < n; i++ {
		z := rng.NormFloat64()
		anom := i >= n-15
		for j := 0; j < d; j++ {
			v := z*float64(j+1)/d + 0.05*rng.NormFloat64()
			if anom {
				v = 3 * rng.NormFloat64()
			}
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%.5f", v)
		}
		b.WriteString("\n")
		if anom {
			lb.WriteString("1\n")
		} else {
			lb.WriteString("0\n")
		}
	}
	x := filepath.Join(dir, "x.csv")
	y := filepath.Join(dir, "y.csv")
	os.WriteFile(x, []byte(b.String()), 0o644)
	os.WriteFile(y, []byte(lb.String()), 0o644)
	return x, y
}

func lastJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line of stdout is not JSON: %v\n%s", err, stdout)
	}
	return m
}

func requireKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s --json lacks key %q: %v", what, k, m)
		}
	}
}

func TestCommandsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir)
	model := filepath.Join(dir, "model")
	out, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "4", "--epochs", "30", "--lr", "0.01",
		"--normalize", "standard", "--activation", "relu", "--sparsity", "l1", "--l1", "1e-4", "--contamination", "0.05", "--json")
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	tr := lastJSON(t, out)
	requireKeys(t, "train", tr, "epochs", "train_seconds", "samples_per_second", "final_loss", "mse", "fvu", "l0", "mean_activation", "dead_fraction")
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("train --json printed more than one line:\n%s", out)
	}

	out, stderr, code = saeRun(t, "eval", "--model", model, "--data", x, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, stderr)
	}
	requireKeys(t, "eval", lastJSON(t, out), "mse", "fvu", "l0", "mean_activation", "dead_fraction")

	codes := filepath.Join(dir, "codes.npy")
	recon := filepath.Join(dir, "recon.npy")
	if _, stderr, code = saeRun(t, "encode", "--model", model, "--data", x, "--out", codes); code != 0 {
		t.Fatalf("encode exit %d: %s", code, stderr)
	}
	if _, stderr, code = saeRun(t, "reconstruct", "--model", model, "--data", x, "--out", recon); code != 0 {
		t.Fatalf("reconstruct exit %d: %s", code, stderr)
	}
	out, stderr, code = saeRun(t, "reconstruct", "--model", model, "--data", x, "--clean", x, "--out", recon, "--json")
	if code != 0 {
		t.Fatalf("reconstruct --clean exit %d: %s", code, stderr)
	}
	if p := lastJSON(t, out); p["psnr"] == nil || p["psnr_input"] != nil {
		// Against itself the input is perfect: infinite PSNR, printed as null.
		t.Errorf("reconstruct --clean: %v", p)
	}
	// encode, then the decoder, reproduces reconstruct.
	m, err := sae.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	c, err := data.Load(codes, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := data.Load(recon, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := m.Decode(*c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rows != 300 || c.Cols != 4 || r.Cols != 8 {
		t.Fatalf("shapes: codes %dx%d, recon %dx%d", c.Rows, c.Cols, r.Rows, r.Cols)
	}
	for i := range dec.Data {
		if dec.Data[i] != r.Data[i] {
			t.Fatalf("decode(codes)[%d] = %g, reconstruct = %g", i, dec.Data[i], r.Data[i])
		}
	}

	scores := filepath.Join(dir, "scores.csv")
	out, stderr, code = saeRun(t, "score", "--model", model, "--data", x, "--labels", y, "--out", scores, "--json")
	if code != 0 {
		t.Fatalf("score exit %d: %s", code, stderr)
	}
	sc := lastJSON(t, out)
	requireKeys(t, "score", sc, "n", "threshold", "n_flagged", "auroc", "auprc")
	if auc := sc["auroc"].(float64); auc < 0.9 {
		t.Errorf("auroc %g on planted anomalies", auc)
	}
	s, err := data.Load(scores, data.Options{})
	if err != nil || s.Rows != 300 || s.Cols != 2 {
		t.Fatalf("scores file: %v %v", s, err)
	}
	// Human-readable output mentions what was written.
	out, _, code = saeRun(t, "eval", "--model", model, "--data", x)
	if code != 0 || !strings.Contains(out, "fvu") {
		t.Errorf("eval text output: exit %d\n%s", code, out)
	}
}

// Malformed input files: a one-line error naming the file, exit 1, and
// nothing written under --out.
func TestMalformedInputs(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "3", "--epochs", "1"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	bad := map[string][]byte{
		"empty.npy":      {},
		"trunc.npy":      append([]byte("\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (10, 8), }"), bytes.Repeat([]byte(" "), 50)...),
		"magic.idx":      {1, 2, 3, 4, 0, 0, 0, 1},
		"ragged.csv":     []byte("1,2,3\n4,5\n"),
		"text.csv":       []byte("1,2\n3,abc\n"),
		"nan.csv":        []byte("1,2\n3,NaN\n"),
		"inf.csv":        []byte("1,2\n3,inf\n"),
		"wrong.xyz":      []byte("1,2\n"),
		"absurd.idx":     {0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff},
		"wide.csv":       []byte("1,2,3\n4,5,6\n"),
		"missing.npy":    nil,
		"st.safetensors": []byte("\xff\xff\xff\xff\xff\xff\xff\x7f{}"),
	}
	for name, content := range bad {
		path := filepath.Join(dir, name)
		if content != nil {
			os.WriteFile(path, content, 0o644)
		}
		for _, args := range [][]string{
			{"train", "--data", path, "--out", filepath.Join(dir, "out-"+name)},
			{"encode", "--model", model, "--data", path, "--out", filepath.Join(dir, "out-"+name+".npy")},
			{"score", "--model", model, "--data", path, "--out", filepath.Join(dir, "out-"+name+".csv")},
		} {
			if name == "wide.csv" && args[0] == "train" {
				continue // valid training data; wrong only for the model
			}
			t.Run(args[0]+"/"+name, func(t *testing.T) {
				stdout, stderr, code := saeRun(t, args...)
				if code != 1 {
					t.Fatalf("exit %d, want 1\nstdout %s\nstderr %s", code, stdout, stderr)
				}
				if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "sae: error: ") {
					t.Errorf("want one 'sae: error:' line, got %q", stderr)
				}
				if !strings.Contains(stderr, name) {
					t.Errorf("error does not name the file %s: %q", name, stderr)
				}
				if _, err := os.Stat(args[len(args)-1]); !os.IsNotExist(err) {
					t.Errorf("%s exists after a failed run", args[len(args)-1])
				}
			})
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestDemoWritesReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo")
	stdout, stderr, code := saeRun(t, "demo", "--out", out, "--epochs", "2", "--json")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	res := lastJSON(t, stdout)
	requireKeys(t, "demo", res, "fvu", "auroc", "mean_activation", "n_flagged", "true_positives")
	// The stored threshold sits below the anomalies and above all but a
	// few normal images (at contamination 0.05 it flagged 5% of them).
	if tp, fp := res["true_positives"].(float64), res["n_flagged"].(float64)-res["true_positives"].(float64); tp < 95 || fp > 19 {
		t.Errorf("the demo's threshold flags %g of 100 anomalies and %g of 1900 normal images", tp, fp)
	}
	for _, f := range []string{"README.md", "features.png", "reconstructions.png", "loss.png", "scores.png", "roc.png", "metrics.json", "model/config.json", "model/model.safetensors"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("demo report lacks %s: %v", f, err)
		}
	}
	if _, err := sae.Load(filepath.Join(out, "model")); err != nil {
		t.Errorf("demo model does not load: %v", err)
	}
	// The report states the stored threshold's percentile (contamination
	// 0.002) and how the scores are made, and a missed KL target says so.
	b, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	report := string(b)
	for _, want := range []string{"99.8th percentile", "this model and 2 more of its settings"} {
		if !strings.Contains(report, want) {
			t.Errorf("demo README lacks %q", want)
		}
	}
	if ma := res["mean_activation"].(float64); math.Abs(ma/0.05-1) > 0.2 && !strings.Contains(report, "missed by") {
		t.Errorf("mean activation %.3g (rho 0.05), but the README does not say the target was missed", ma)
	}

	// Without --json: the anomaly scores' extra models are named before
	// their epochs.
	stdout, stderr, code = saeRun(t, "demo", "--out", out, "--epochs", "1")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	for _, want := range []string{"anomaly scores: 2 more models", "model 2 of 3:", "model 3 of 3:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestRhoMiss(t *testing.T) {
	for _, tc := range []struct {
		mean float64
		want string
	}{{0.055, ""}, {0.045, ""}, {0.1545, ", missed by +209%"}, {0.02, ", missed by -60%"}} {
		if got := rhoMiss(tc.mean, 0.05); got != tc.want {
			t.Errorf("rhoMiss(%g, 0.05) = %q, want %q", tc.mean, got, tc.want)
		}
	}
}

// score --explain names the column where an anomaly was planted.
func TestScoreExplainNamesPlantedColumn(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 3))
	const n, d, planted = 800, 6, 3 // rows and columns count from 0
	var b strings.Builder
	b.WriteString("c0,c1,c2,c3,c4,c5\n")
	for i := 0; i <= n; i++ {
		z := rng.NormFloat64()
		for j := 0; j < d; j++ {
			v := z*float64(j+1) + 0.05*rng.NormFloat64()
			if i == n && j == planted {
				v += 8 // the last row: an outlier in one column
			}
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%.4f", v)
		}
		b.WriteString("\n")
	}
	x := filepath.Join(dir, "x.csv")
	os.WriteFile(x, []byte(b.String()), 0o644)
	model := filepath.Join(dir, "m")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "2", "--normalize", "standard",
		"--activation", "tanh", "--sparsity", "none", "--epochs", "60", "--batch", "32", "--lr", "0.01"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	out, stderr, code := saeRun(t, "score", "--model", model, "--data", x, "--explain", "1", "--json")
	if code != 0 {
		t.Fatalf("score: %s", stderr)
	}
	var res struct {
		Explanations []rowExplanation `json:"explanations"`
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Explanations) != 1 {
		t.Fatalf("want one explanation, got %+v", res.Explanations)
	}
	ex := res.Explanations[0]
	if ex.Row != n || ex.Features[0].Column != planted || ex.Features[0].Name != "c3" {
		t.Errorf("explanation names row %d column %d (%q) first, want row %d column %d (c3): %+v", ex.Row, ex.Features[0].Column, ex.Features[0].Name, n, planted, ex)
	}
	out, _, _ = saeRun(t, "score", "--model", model, "--data", x, "--explain", "1")
	if want := fmt.Sprintf("row %d (score", n); !strings.Contains(out, want) || !strings.Contains(out, "): c3 (column 3) ") {
		t.Errorf("text output lacks %q and c3 (column 3):\n%s", want, out)
	}
}

func TestReportWritesOnePage(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "4", "--epochs", "3", "--activation", "relu", "--sparsity", "l1"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	page := filepath.Join(dir, "r.html")
	out, stderr, code := saeRun(t, "report", "--model", model, "--data", x, "--labels", y, "--out", page, "--json")
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr)
	}
	if n := lastJSON(t, out)["sections"].(float64); n != 6 { // loss, density, scores, roc, columns, latents (not an image)
		t.Errorf("%g sections, want 6", n)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	// The scores section names what scores (an l1 model and its two
	// --ensemble copies), as sae train does.
	for _, want := range []string{"ROC AUC", "Latent density", "Anomaly scores", "data:image/png;base64,", "<h2>Latents</h2>",
		"this model and 2 more like it"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if _, _, code := saeRun(t, "report", "--model", model, "--out", page, "--image-shape", "3x3"); code != 2 {
		t.Errorf("a wrong --image-shape gave exit %d, want 2", code)
	}
}

func TestEncodePlot2D(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir)
	model := filepath.Join(dir, "model")
	if _, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--hidden", "2", "--epochs", "3"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	plot := filepath.Join(dir, "codes.png")
	if _, stderr, code := saeRun(t, "encode", "--model", model, "--data", x, "--out", filepath.Join(dir, "c.npy"), "--plot", plot, "--labels", y); code != 0 {
		t.Fatalf("encode --plot: %s", stderr)
	}
	if st, err := os.Stat(plot); err != nil || st.Size() < 1000 {
		t.Fatalf("plot not written: %v", err)
	}
	wide := filepath.Join(dir, "wide")
	saeRun(t, "train", "--data", x, "--out", wide, "--hidden", "3", "--epochs", "1")
	if _, _, code := saeRun(t, "encode", "--model", wide, "--data", x, "--out", filepath.Join(dir, "c2.npy"), "--plot", plot); code != 2 {
		t.Errorf("--plot of 3-D codes: exit %d, want 2", code)
	}
}

func TestVariationalGenerateAndEval(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 4))
	x := sae.NewMatrix(400, 16) // 4x4 "images" in [0,1]
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	xp := filepath.Join(dir, "x.npy")
	if err := data.WriteNPY(xp, &x); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "vae")
	if _, stderr, code := saeRun(t, "train", "--data", xp, "--out", model, "--variational", "--hidden", "3", "--loss", "bce", "--epochs", "3"); code != 0 {
		t.Fatalf("train --variational: %s", stderr)
	}
	out, stderr, code := saeRun(t, "eval", "--model", model, "--data", xp, "--json")
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	requireKeys(t, "eval (variational)", lastJSON(t, out), "elbo", "mse", "fvu")
	if out, _, _ := saeRun(t, "eval", "--model", model, "--data", xp); !strings.Contains(out, "  elbo ") {
		t.Errorf("eval's text output of a variational model lacks elbo:\n%s", out)
	}
	samples := filepath.Join(dir, "s.npy")
	out, stderr, code = saeRun(t, "generate", "--model", model, "--n", "10", "--out", samples, "--json")
	if code != 0 {
		t.Fatalf("generate: %s", stderr)
	}
	// 16 columns are not 4x4 images unless --image-shape says so.
	if g := lastJSON(t, out); g["grid"] != nil || !strings.Contains(stderr, "give --image-shape 4x4") {
		t.Errorf("generate on 16 inputs guessed 4x4 images: %v, %q", g, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.png")); err == nil {
		t.Errorf("generate on 16 inputs drew a grid")
	}
	out, stderr, code = saeRun(t, "generate", "--model", model, "--n", "10", "--out", samples, "--image-shape", "4x4", "--json")
	if g := lastJSON(t, out); code != 0 || g["grid"] != filepath.Join(dir, "s.png") {
		t.Errorf("generate --image-shape 4x4 wrote no grid beside the samples: %v %s", g, stderr)
	}
	s, err := data.Load(samples, data.Options{})
	if err != nil || s.Rows != 10 || s.Cols != 16 {
		t.Fatalf("samples: %v %v", s, err)
	}
	// A plain model cannot generate; --sparsity kl with --variational is a usage error.
	if _, _, code := saeRun(t, "train", "--data", xp, "--out", filepath.Join(dir, "bad"), "--variational", "--sparsity", "kl"); code != 2 {
		t.Errorf("--variational --sparsity kl: exit %d, want 2", code)
	}
	plain := filepath.Join(dir, "plain")
	saeRun(t, "train", "--data", xp, "--out", plain, "--hidden", "3", "--epochs", "1")
	if _, stderr, code := saeRun(t, "generate", "--model", plain, "--n", "3", "--out", filepath.Join(dir, "p.npy")); code != 1 || !strings.Contains(stderr, "not variational") {
		t.Errorf("generate from a plain model: exit %d, %q", code, stderr)
	}
}

func TestStackedPredict(t *testing.T) {
	dir := t.TempDir()
	x, y := writeData(t, dir) // labels 0/1: the last rows are the odd ones
	model := filepath.Join(dir, "clf")
	out, stderr, code := saeRun(t, "train", "--data", x, "--labels", y, "--out", model, "--layers", "6,3", "--stacked",
		"--activation", "relu", "--sparsity", "l1", "--epochs", "2", "--supervised-epochs", "5", "--json")
	if code != 0 {
		t.Fatalf("train --stacked --labels: %s", stderr)
	}
	requireKeys(t, "train --labels", lastJSON(t, out), "accuracy", "val_accuracy", "supervised_start", "start_val_loss")
	probs := filepath.Join(dir, "p.csv")
	out, stderr, code = saeRun(t, "predict", "--model", model, "--data", x, "--labels", y, "--out", probs, "--json")
	if code != 0 {
		t.Fatalf("predict: %s", stderr)
	}
	if a := lastJSON(t, out)["accuracy"].(float64); a < 0.9 {
		t.Errorf("accuracy %g", a)
	}
	p, err := data.Load(probs, data.Options{})
	if err != nil || p.Rows != 300 || p.Cols != 3 { // class, prob_0, prob_1
		t.Fatalf("predictions: %v %v", p, err)
	}
	// A classifier whose reconstruction the supervised phase spoilt, or
	// whose network from scratch has an untrained decoder, is warned
	// about with that reason, not told to train longer.
	m, err := sae.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	for start, why := range map[string]string{
		"pretrained": "(the supervised phase with --labels moved the encoder away from its decoder)",
		"scratch":    "(the classifier kept is the network trained from random initialisation, whose decoder the labels do not train)",
	} {
		m.History.SupervisedStart = start
		var werr strings.Builder
		warnQuality(&env{stderr: &werr}, m, sae.Metrics{FVU: 2.5}, "validation")
		if w := werr.String(); !strings.Contains(w, "fvu 2.500) "+why) ||
			strings.Contains(w, "train longer") || !strings.Contains(w, "its scores come from the autoencoders beside it") {
			t.Errorf("a classifier's poor reconstruction (start %s) warned as %q", start, w)
		}
	}
	// Its anomaly scores come from the recipe's autoencoders beside it.
	if s := detectorSummary(m, m.Scorers()); !strings.Contains(s, "3 dense sigmoid/kl autoencoders trained beside the classifier") {
		t.Errorf("a classifier's scores described as %q", s)
	}
	if _, _, code := saeRun(t, "train", "--data", x, "--out", filepath.Join(dir, "s"), "--stacked", "--hidden", "3"); code != 2 {
		t.Errorf("--stacked without --layers: exit %d, want 2", code)
	}
}

// A topk model through train, eval and encode: at most k active latents per
// row, and the trainer's dead-latent figure in the JSON.
func TestTopKEndToEnd(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "model")
	out, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--sparsity", "topk", "--hidden", "12", "--k", "3", "--epochs", "10", "--json")
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	requireKeys(t, "train", lastJSON(t, out), "fvu", "l0", "dead_fraction", "dead_fraction_train")
	out, stderr, code = saeRun(t, "eval", "--model", model, "--data", x, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, stderr)
	}
	if l0 := lastJSON(t, out)["l0"].(float64); l0 > 3 || l0 <= 0 {
		t.Errorf("eval l0 %g, want in (0, 3]", l0)
	}
}

// jumprelu trains, evaluates, exports to SAELens and imports back; and
// --target-l0 lands near its target and reports the tuned coefficient.
func TestJumpReLUAndTargetL0EndToEnd(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "model")
	out, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--sparsity", "jumprelu", "--hidden", "12", "--bandwidth", "0.05", "--epochs", "10", "--json")
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	requireKeys(t, "train", lastJSON(t, out), "fvu", "l0", "dead_fraction", "dead_fraction_train")
	out, stderr, code = saeRun(t, "eval", "--model", model, "--data", x, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, stderr)
	}
	l0 := lastJSON(t, out)["l0"].(float64)
	if !(l0 > 0 && l0 < 12) {
		t.Errorf("eval l0 %g, want in (0, 12)", l0)
	}
	sl := filepath.Join(dir, "sl")
	if _, stderr, code = saeRun(t, "export", "--model", model, "--format", "saelens", "--out", sl); code != 0 {
		t.Fatalf("export exit %d: %s", code, stderr)
	}
	cfg, err := os.ReadFile(filepath.Join(sl, "cfg.json"))
	if err != nil || !strings.Contains(string(cfg), `"architecture": "jumprelu"`) {
		t.Fatalf("cfg.json: %v %s", err, cfg)
	}
	back := filepath.Join(dir, "back")
	if _, stderr, code = saeRun(t, "import", "--format", "saelens", "--in", sl, "--out", back); code != 0 {
		t.Fatalf("import exit %d: %s", code, stderr)
	}
	out, _, _ = saeRun(t, "eval", "--model", back, "--data", x, "--json")
	if got := lastJSON(t, out)["l0"].(float64); got != l0 {
		t.Errorf("imported model's l0 %g, the trained one's %g", got, l0)
	}

	tl := filepath.Join(dir, "tl")
	out, stderr, code = saeRun(t, "train", "--data", x, "--out", tl, "--sparsity", "l1", "--hidden", "16", "--target-l0", "3", "--batch", "16", "--epochs", "150", "--json")
	if code != 0 {
		t.Fatalf("train --target-l0 exit %d: %s", code, stderr)
	}
	res := lastJSON(t, out)
	requireKeys(t, "train --target-l0", res, "penalty_coef", "running_l0")
	if l0 := res["l0"].(float64); math.Abs(l0-3) > 0.5 {
		t.Errorf("--target-l0 3: validation l0 %g", l0)
	}
}

// TestTrainConstantRows trains on one row and on rows that never vary
// (their FVU is NaN): the model must be written, the metrics reported on
// the training rows, and the NaN printed as null.
func TestTrainConstantRows(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"one.csv": "1,2,3,4\n", "same.csv": strings.Repeat("0.5,0.5,0.5\n", 12)} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, name+".model")
		stdout, stderr, code := saeRun(t, "train", "--data", f, "--out", out, "--hidden", "3", "--epochs", "2", "--val-split", "0", "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		m := lastJSON(t, stdout)
		if m["eval_on"] != "train" || m["fvu"] != nil {
			t.Errorf("%s: eval_on %v, fvu %v; want train and null", name, m["eval_on"], m["fvu"])
		}
		if _, err := os.Stat(filepath.Join(out, "config.json")); err != nil {
			t.Errorf("%s: no model written: %v", name, err)
		}
	}
}

// TestTrainSaysWhatScores checks the summary line that says which models'
// errors sae score will combine: a dictionary's dense members, a dense
// model with its copies, or the model alone.
func TestTrainSaysWhatScores(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ensemble", "2"}, "of 2 dense sigmoid/kl autoencoders trained beside the dictionary"},
		{[]string{"--sparsity", "kl", "--ensemble", "3"}, "of this model and 2 more like it"},
		{[]string{"--sparsity", "l1", "--ensemble", "1", "--neighbours", "-1"}, "anomaly scores: this model's reconstruction error;"},
		{[]string{"--sparsity", "l1", "--ensemble", "1"}, "anomaly scores: this model's reconstruction error, weighed equally with the row's distance to its nearest training rows (--neighbours);"},
		{[]string{"--ensemble", "1"}, "anomaly scores: the reconstruction error of a dense sigmoid/kl autoencoder trained beside the dictionary"},
	} {
		args := append([]string{"train", "--data", x, "--out", filepath.Join(dir, strings.Join(tc.args, "")), "--epochs", "3"}, tc.args...)
		out, stderr, code := saeRun(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr)
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("%v: output lacks %q:\n%s", tc.args, tc.want, out)
		}
	}
}

// TestTrainWarnsOfMissedRho: a KL target the penalty lost to reconstruction
// is said on stderr and in --json's rho_off; with --target-l0 the rho is
// the controller's knob, and its distance from the mean activation is not
// a miss.
func TestTrainWarnsOfMissedRho(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	out, stderr, code := saeRun(t, "train", "--data", x, "--out", filepath.Join(dir, "weak"), "--sparsity", "kl",
		"--activation", "sigmoid", "--beta", "1e-4", "--epochs", "20", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := lastJSON(t, out)
	off, ok := res["rho_off"].(float64)
	if !ok || math.Abs(off) <= 0.2 || !strings.Contains(stderr, "from --rho 0.05") {
		t.Fatalf("--beta 1e-4: rho_off %v, stderr %q", res["rho_off"], stderr)
	}
	out, stderr, code = saeRun(t, "train", "--data", x, "--out", filepath.Join(dir, "tl"), "--sparsity", "kl",
		"--target-l0", "2", "--epochs", "20", "--json")
	if code != 0 {
		t.Fatalf("--target-l0: exit %d: %s", code, stderr)
	}
	if res := lastJSON(t, out); res["rho_off"] != nil || strings.Contains(stderr, "from --rho") {
		t.Fatalf("--target-l0: rho_off %v, stderr %q", res["rho_off"], stderr)
	}
}

// A denoiser says how much it cleans its corrupted validation rows (JSON
// and text), and its anomaly scores come from the recipe's autoencoders.
func TestDenoiserReportsGain(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	model := filepath.Join(dir, "dn")
	out, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--noise", "gaussian:0.2", "--epochs", "3", "--json")
	if code != 0 {
		t.Fatalf("train --noise: %s", stderr)
	}
	o := lastJSON(t, out)
	requireKeys(t, "train --noise", o, "denoise_gain_db")
	out, stderr, code = saeRun(t, "train", "--data", x, "--out", model+"2", "--noise", "gaussian:0.2", "--epochs", "3")
	if code != 0 || !strings.Contains(out, "denoiser: PSNR gain") || !strings.Contains(out, "trained beside the denoiser") {
		t.Errorf("train --noise printed %q (stderr %q)", out, stderr)
	}
	plain, _ := mustRun(t, "train", "--data", x, "--out", model+"3", "--epochs", "3", "--json")
	if _, ok := lastJSON(t, plain)["denoise_gain_db"]; ok {
		t.Error("a model without --noise reports a denoising gain")
	}
}

// Rows that do not vary leave nothing to reconstruct: train says so, and
// neither train nor eval prints a NaN as the fvu.
func TestConstantDataWarned(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "const.csv")
	if err := os.WriteFile(x, []byte("a,b\n1,2\n1,2\n1,2\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m")
	out, stderr, code := saeRun(t, "train", "--data", x, "--out", model, "--epochs", "5", "--ensemble", "1")
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "data do not vary") || !strings.Contains(out, "fvu n/a") || strings.Contains(out, "NaN") {
		t.Errorf("constant rows: stdout %q, stderr %q", out, stderr)
	}
	out, stderr, code = saeRun(t, "eval", "--model", model, "--data", x)
	if code != 0 || !strings.Contains(out, "fvu              n/a") || strings.Contains(out, "NaN") {
		t.Errorf("eval on constant rows: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
