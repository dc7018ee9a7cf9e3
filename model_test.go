package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func trainSmall(t *testing.T, mutate func(*Config)) (*Model, Matrix) {
	t.Helper()
	x := sparseData(400, 16, 10, 2, 9)
	cfg := DefaultConfig()
	cfg.Hidden = 12
	cfg.Epochs = 5
	cfg.Sparsity = SparsityKL
	cfg.Normalize = NormalizeStandard
	if mutate != nil {
		mutate(&cfg)
	}
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m, x
}

func TestEncodeDecodeEqualsReconstruct(t *testing.T) {
	for _, c := range []struct {
		name string
		mut  func(*Config)
	}{
		{"untied", nil},
		{"tied-bce-minmax", func(c *Config) { c.Tied, c.Loss, c.Normalize = true, BCE, NormalizeMinMax }},
		{"deep", func(c *Config) { c.Layers, c.Hidden, c.Activation = []int{10, 6}, 0, ReLU }},
		{"deep-tied-bce", func(c *Config) {
			c.Layers, c.Hidden, c.Tied, c.Loss, c.Normalize = []int{12, 8, 4}, 0, true, BCE, NormalizeMinMax
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, x := trainSmall(t, c.mut)
			codes, err := m.Encode(x)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := m.Decode(codes)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := m.Reconstruct(x)
			if err != nil {
				t.Fatal(err)
			}
			for i := range rec.Data {
				if dec.Data[i] != rec.Data[i] {
					t.Fatalf("element %d: decode(encode(x)) = %g, reconstruct(x) = %g", i, dec.Data[i], rec.Data[i])
				}
			}
		})
	}
}

func TestSaveLoadIdentical(t *testing.T) {
	for _, deep := range []bool{false, true} {
		testSaveLoad(t, deep)
	}
}

func testSaveLoad(t *testing.T, deep bool) {
	m, x := trainSmall(t, func(c *Config) {
		if deep {
			c.Layers, c.Hidden = []int{10, 5}, 0
		}
	})
	dir := filepath.Join(t.TempDir(), "model")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(*Model) []float32{
		func(m *Model) []float32 { r, _ := m.Encode(x); return r.Data },
		func(m *Model) []float32 { r, _ := m.Reconstruct(x); return r.Data },
		func(m *Model) []float32 {
			s, _ := m.Score(x)
			o := make([]float32, len(s))
			for i, v := range s {
				o[i] = float32(v)
			}
			return o
		},
	} {
		a, b := f(m), f(m2)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("output %d differs after save/load: %g vs %g", i, a[i], b[i])
			}
		}
	}
	if m2.Threshold != m.Threshold || !reflect.DeepEqual(m2.Config, m.Config) {
		t.Fatalf("metadata differs after load: %+v vs %+v", m2.Config, m.Config)
	}
	// Saving over an existing model replaces it and leaves no temporary files.
	if err := m2.Save(dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 1 {
		t.Fatalf("after re-save the parent holds %d entries, want 1", len(ents))
	}
}

func TestLoadRejectsBadModels(t *testing.T) {
	m, _ := trainSmall(t, nil)
	base := filepath.Join(t.TempDir(), "m")
	if err := m.Save(base); err != nil {
		t.Fatal(err)
	}
	cfgRaw, _ := os.ReadFile(filepath.Join(base, ConfigFile))
	wRaw, _ := os.ReadFile(filepath.Join(base, WeightsFile))
	cases := []struct {
		name   string
		cfg, w []byte
		want   string
	}{
		{"bad json", []byte("{"), wRaw, "config.json"},
		{"wrong format", []byte(`{"format":"x"}`), wRaw, "not an sae model"},
		{"truncated weights", cfgRaw, wRaw[:len(wRaw)/2], "model.safetensors"},
		{"hidden mismatch", []byte(strings.Replace(string(cfgRaw), `"hidden": 12`, `"hidden": 13`, 1)), wRaw, "config.hidden 12 contradicts architecture.hidden 13"},
		{"hidden changed everywhere", []byte(strings.ReplaceAll(string(cfgRaw), `"hidden": 12`, `"hidden": 13`)), wRaw, "shape"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "m")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, ConfigFile), c.cfg, 0o644)
			os.WriteFile(filepath.Join(dir, WeightsFile), c.w, 0o644)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("loaded a broken model")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "no such model directory") {
		t.Fatalf("missing dir: %v", err)
	}
}

// FromWeights rebuilds a model from Weights: same codes, reconstructions
// and scores; broken tensor sets are errors naming the tensor.
func TestFromWeightsRebuildsModel(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(*Config)
	}{
		{"one layer", func(c *Config) { c.Activation = ReLU; c.Sparsity = SparsityL1 }},
		{"tied", func(c *Config) { c.Tied = true }},
		{"deep", func(c *Config) { c.Layers, c.Hidden = []int{10, 6}, 0; c.Activation = Tanh }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, x := trainSmall(t, c.mutate)
			w := m.Weights()
			m2, err := FromWeights(m.Config, m.Inputs, w, m.Norm)
			if err != nil {
				t.Fatal(err)
			}
			if m2.Config.Normalize != NormalizeStandard || m2.Threshold != 0 || m2.History != nil {
				t.Fatalf("rebuilt model: normalize %s, threshold %g, history %v", m2.Config.Normalize, m2.Threshold, m2.History)
			}
			for _, f := range []func(*Model) Matrix{
				func(m *Model) Matrix { r, _ := m.Encode(x); return r },
				func(m *Model) Matrix { r, _ := m.Reconstruct(x); return r },
			} {
				a, b := f(m), f(m2)
				if !reflect.DeepEqual(a, b) {
					t.Fatal("outputs differ after FromWeights")
				}
			}
		})
	}
	m, _ := trainSmall(t, nil)
	bad := func(edit func(w map[string][]float32)) error {
		w := m.Weights()
		edit(w)
		_, err := FromWeights(m.Config, m.Inputs, w, m.Norm)
		return err
	}
	for _, c := range []struct {
		name, want string
		edit       func(w map[string][]float32)
	}{
		{"missing", "b_enc is missing", func(w map[string][]float32) { delete(w, "b_enc") }},
		{"short", "W_dec holds", func(w map[string][]float32) { w["W_dec"] = w["W_dec"][1:] }},
		{"nan", "b_dec value 3 is NaN", func(w map[string][]float32) { w["b_dec"][2] = float32(math.NaN()) }},
		{"extra", "unexpected tensors [threshold]", func(w map[string][]float32) { w["threshold"] = []float32{1} }},
	} {
		if err := bad(c.edit); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := FromWeights(m.Config, m.Inputs, m.Weights(), &Normalizer{Kind: NormalizeStandard, Shift: m.Norm.Shift, Scale: make([]float32, m.Inputs)}); err == nil || !strings.Contains(err.Error(), "scale 0") {
		t.Errorf("zero scale: %v", err)
	}
}

// A row's code, score and reconstruction are the same bit for bit however
// a run of rows is cut into calls of more than SmallBatch rows, with the
// calls' last chunks of every size: a few rows (which the kernels would
// multiply row by row, summing in another order, were they a product of
// their own) included. A run cut in pieces, as sae's Beam jobs cut a file,
// gives the whole run's results.
func TestInferenceCutsAlike(t *testing.T) {
	const d = 600 // deeper than a GEMM block: the row-by-row sums differ
	rng := rand.New(rand.NewPCG(5, 6))
	x := NewMatrix(700, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	cfg := DefaultConfig()
	cfg.Hidden, cfg.K, cfg.Epochs, cfg.Ensemble, cfg.Threads = 48, 8, 1, 2, 1
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantCodes, _ := m.Encode(x)
	wantRec, _ := m.Reconstruct(x)
	wantScores, _ := m.Score(x)
	for _, sc := range m.Scorers() {
		c := sc.chunkRows()
		for _, n := range []int{c + 1, c + SmallBatch, c + SmallBatch + 1, 2*c + 3, SmallBatch + 1} {
			for _, lo := range []int{0, 3, 17} {
				if lo+n > x.Rows {
					continue
				}
				part := Matrix{Rows: n, Cols: d, Data: x.Data[lo*d : (lo+n)*d]}
				codes, _ := m.Encode(part)
				rec, _ := m.Reconstruct(part)
				scores, _ := m.Score(part)
				h := m.Hidden()
				if !slices.Equal(codes.Data, wantCodes.Data[lo*h:(lo+n)*h]) {
					t.Errorf("codes of rows %d to %d differ from the whole run's", lo, lo+n)
				}
				if !slices.Equal(rec.Data, wantRec.Data[lo*d:(lo+n)*d]) {
					t.Errorf("reconstructions of rows %d to %d differ from the whole run's", lo, lo+n)
				}
				if !slices.Equal(scores, wantScores[lo:lo+n]) {
					t.Errorf("scores of rows %d to %d differ from the whole run's", lo, lo+n)
				}
			}
		}
	}
}
