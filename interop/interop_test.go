package interop

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// randModel is a one-layer model with random weights and, unless kind is
// none, a normaliser with random shifts and scales: the folding must get
// every column's own shift and scale right.
func randModel(t testing.TB, d, h int, kind sae.Normalize, mutate func(*sae.Config)) *sae.Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(d), uint64(h)))
	cfg := sae.DefaultConfig()
	cfg.Hidden = h
	cfg.Activation = sae.ReLU
	cfg.Sparsity = sae.SparsityL1
	if mutate != nil {
		mutate(&cfg)
	}
	sizes := append([]int{d}, cfg.Layers...)
	if len(cfg.Layers) == 0 {
		sizes = []int{d, h}
	}
	w := map[string][]float32{}
	fill := func(name string, n int, s float64) {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(s * rng.NormFloat64())
		}
		w[name] = v
	}
	k := len(sizes) - 1
	name := func(base string, i int) string {
		if k == 1 {
			return base
		}
		return base + "." + string(rune('0'+i))
	}
	for l := 0; l < k; l++ {
		out := sizes[l+1]
		if cfg.Variational && l == k-1 {
			out *= 2
		}
		fill(name("W_enc", l), sizes[l]*out, 1/math.Sqrt(float64(sizes[l])))
		fill(name("b_enc", l), out, 0.3)
	}
	for m := 0; m < k; m++ {
		if !cfg.Tied {
			fill(name("W_dec", m), sizes[k-m]*sizes[k-m-1], 1/math.Sqrt(float64(sizes[k-m])))
		}
		fill(name("b_dec", m), sizes[k-m-1], 0.5)
	}
	if cfg.Sparsity == sae.SparsityBatchTopK || cfg.Sparsity == sae.SparsityJumpReLU || cfg.Sparsity == sae.SparsityMatryoshka {
		fill("threshold", h, 0.3)
	}
	if cfg.Sparsity == sae.SparsityGated {
		fill("r_mag", h, 0.4)
		fill("b_mag", h, 0.3)
	}
	var nz *sae.Normalizer
	if kind != sae.NormalizeNone {
		nz = &sae.Normalizer{Kind: kind, Shift: make([]float32, d), Scale: make([]float32, d)}
		for j := 0; j < d; j++ {
			nz.Shift[j] = float32(3 * rng.NormFloat64())
			nz.Scale[j] = float32(0.2 + 3*rng.Float64())
		}
	}
	m, err := sae.FromWeights(cfg, d, w, nz)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// rawRows draws rows in the model's input units (around its shifts, at
// its scales).
func rawRows(m *sae.Model, n int) sae.Matrix {
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	x := sae.NewMatrix(n, m.Inputs)
	for i := 0; i < n; i++ {
		for j := 0; j < m.Inputs; j++ {
			v := rng.NormFloat64()
			if m.Norm != nil {
				v = float64(m.Norm.Shift[j]) + float64(m.Norm.Scale[j])*v
			}
			x.Data[i*m.Inputs+j] = float32(v)
		}
	}
	return x
}

// saelensRef reads a SAELens directory the way SAELens's inference code
// computes, independently of readSAELens, in float64:
// pre = (x - b_dec*apply)·W_enc + b_enc; codes = relu(pre) (standard), the
// k largest of pre through relu (topk), relu(pre) where pre > threshold
// (jumprelu); x̂ = codes·W_dec + b_dec.
func saelensRef(t *testing.T, dir string, x sae.Matrix) (codes, rec []float64, cfg map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "cfg.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	ts, _, err := data.ReadSafetensors(filepath.Join(dir, "sae_weights.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	d, h := int(cfg["d_in"].(float64)), int(cfg["d_sae"].(float64))
	apply := 1.0
	if a, ok := cfg["apply_b_dec_to_input"].(bool); ok && !a {
		apply = 0
	}
	bias := "b_enc"
	if cfg["architecture"] == "gated" {
		bias = "b_gate"
	}
	wE, bE, wD, bD := ts["W_enc"].Data, ts[bias].Data, ts["W_dec"].Data, ts["b_dec"].Data
	codes = make([]float64, x.Rows*h)
	rec = make([]float64, x.Rows*d)
	for i := 0; i < x.Rows; i++ {
		for k := 0; k < h; k++ {
			s := float64(bE[k])
			for j := 0; j < d; j++ {
				s += (float64(x.Data[i*d+j]) - apply*float64(bD[j])) * float64(wE[j*h+k])
			}
			codes[i*h+k] = s
		}
	}
	switch cfg["architecture"] {
	case "standard":
		for i, v := range codes {
			codes[i] = math.Max(v, 0)
		}
	case "topk":
		codes = topkRef(codes, x.Rows, h, int(cfg["k"].(float64)))
	case "jumprelu":
		thr := ts["threshold"].Data
		for i, v := range codes {
			if !(v > float64(thr[i%h])) {
				codes[i] = 0
			}
			codes[i] = math.Max(codes[i], 0)
		}
	case "gated": // the magnitude path: x'·(W_enc·exp(r_mag)) + b_mag
		rMag, bMag := ts["r_mag"].Data, ts["b_mag"].Data
		for i, v := range codes {
			k := i % h
			mag := math.Exp(float64(rMag[k]))*(v-float64(bE[k])) + float64(bMag[k])
			codes[i] = 0
			if v > 0 {
				codes[i] = math.Max(mag, 0)
			}
		}
	default:
		t.Fatalf("architecture %v", cfg["architecture"])
	}
	for i := 0; i < x.Rows; i++ {
		for j := 0; j < d; j++ {
			s := float64(bD[j])
			for k := 0; k < h; k++ {
				s += codes[i*h+k] * float64(wD[k*d+j])
			}
			rec[i*d+j] = s
		}
	}
	return codes, rec, cfg
}

// maxRelDiff is max |a-b| / max(1, |b|).
func maxRelDiff(a []float32, b []float64) float64 {
	worst := 0.0
	for i := range a {
		worst = math.Max(worst, math.Abs(float64(a[i])-b[i])/math.Max(1, math.Abs(b[i])))
	}
	return worst
}

// The exported weights, applied to raw input as SAELens does, give the
// model's codes and reconstructions: the normalisation is folded in.
func TestExportSAELensFoldsNormalization(t *testing.T) {
	for _, c := range []struct {
		name     string
		kind     sae.Normalize
		tied     bool
		sparsity sae.Sparsity
		arch     string
	}{
		{"none", sae.NormalizeNone, false, sae.SparsityL1, "standard"},
		{"standard", sae.NormalizeStandard, false, sae.SparsityL1, "standard"},
		{"minmax tied", sae.NormalizeMinMax, true, sae.SparsityKL, "standard"},
		{"robust", sae.NormalizeRobust, false, sae.SparsityL1, "standard"},
		{"topk standard", sae.NormalizeStandard, false, sae.SparsityTopK, "topk"},
		{"batchtopk minmax", sae.NormalizeMinMax, false, sae.SparsityBatchTopK, "jumprelu"},
		{"jumprelu standard", sae.NormalizeStandard, false, sae.SparsityJumpReLU, "jumprelu"},
		{"matryoshka robust", sae.NormalizeRobust, false, sae.SparsityMatryoshka, "jumprelu"},
		{"gated standard", sae.NormalizeStandard, false, sae.SparsityGated, "gated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := randModel(t, 23, 17, c.kind, func(cfg *sae.Config) { cfg.Tied, cfg.Sparsity, cfg.K = c.tied, c.sparsity, 5 })
			dir := filepath.Join(t.TempDir(), "out")
			if err := ExportSAELens(m, dir); err != nil {
				t.Fatal(err)
			}
			x := rawRows(m, 200)
			codes, rec, cfg := saelensRef(t, dir, x)
			want, _ := m.Encode(x)
			wantRec, _ := m.Reconstruct(x)
			if e := maxRelDiff(want.Data, codes); e > 1e-4 {
				t.Errorf("codes differ by %g", e)
			}
			if e := maxRelDiff(wantRec.Data, rec); e > 1e-4 {
				t.Errorf("reconstructions differ by %g (relative)", e)
			}
			active := 0
			for _, v := range codes {
				if v > 0 {
					active++
				}
			}
			if active == 0 || active == len(codes) {
				t.Fatalf("%d of %d codes active: the test data does not exercise relu", active, len(codes))
			}
			if arch, err := SAELensArchitecture(m); err != nil || arch != c.arch {
				t.Errorf("SAELensArchitecture: %s %v, want %s", arch, err, c.arch)
			}
			for key, v := range map[string]any{"architecture": c.arch, "d_in": 23.0, "d_sae": 17.0, "apply_b_dec_to_input": c.arch != "standard",
				"normalize_activations": "none", "dtype": "float32", "folded_normalization": string(c.kind)} {
				if cfg[key] != v {
					t.Errorf("cfg.json %s = %v, want %v", key, cfg[key], v)
				}
			}
		})
	}
}

// Export then import gives a model with the same codes and reconstructions
// on raw input and no normalisation of its own.
func TestSAELensRoundTrip(t *testing.T) {
	for _, c := range []struct {
		sparsity sae.Sparsity
		k        int
	}{{sae.SparsityL1, 0}, {sae.SparsityTopK, 6}, {sae.SparsityBatchTopK, 7}, {sae.SparsityJumpReLU, 0}, {sae.SparsityMatryoshka, 5}, {sae.SparsityGated, 0}} {
		t.Run(string(c.sparsity), func(t *testing.T) {
			m := randModel(t, 31, 20, sae.NormalizeStandard, func(cfg *sae.Config) {
				cfg.Sparsity, cfg.L1, cfg.K, cfg.L0Coef, cfg.Bandwidth = c.sparsity, 0.02, c.k, 0.3, 0.01
				if c.sparsity == sae.SparsityMatryoshka {
					cfg.Groups = []int{5, 12}
				}
			})
			dir := filepath.Join(t.TempDir(), "saelens")
			if err := ExportSAELens(m, dir); err != nil {
				t.Fatal(err)
			}
			m2, err := ImportSAELens(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m2.Norm != nil || m2.Config.Normalize != sae.NormalizeNone || m2.Hidden() != 20 || m2.Inputs != 31 {
				t.Fatalf("imported %v with normalize %s", m2, m2.Config.Normalize)
			}
			if m2.Config.Sparsity != c.sparsity || (c.k > 0 && m2.Config.K != c.k) || ((c.sparsity == sae.SparsityL1 || c.sparsity == sae.SparsityGated) && m2.Config.L1 != 0.02) {
				t.Errorf("imported sparsity %s k %d l1 %g", m2.Config.Sparsity, m2.Config.K, m2.Config.L1)
			}
			if c.sparsity == sae.SparsityMatryoshka && fmt.Sprint(m2.Config.Groups) != "[5 12 20]" {
				t.Errorf("imported groups %v, want [5 12 20]", m2.Config.Groups)
			}
			if c.sparsity == sae.SparsityJumpReLU && (m2.Config.L0Coef != 0.3 || m2.Config.Bandwidth != 0.01) {
				t.Errorf("imported l0 coefficient %g, bandwidth %g", m2.Config.L0Coef, m2.Config.Bandwidth)
			}
			x := rawRows(m, 300)
			for what, f := range map[string]func(*sae.Model) sae.Matrix{
				"codes":           func(m *sae.Model) sae.Matrix { r, _ := m.Encode(x); return r },
				"reconstructions": func(m *sae.Model) sae.Matrix { r, _ := m.Reconstruct(x); return r },
			} {
				a, b := f(m), f(m2)
				ref := make([]float64, len(b.Data))
				for i, v := range b.Data {
					ref[i] = float64(v)
				}
				if e := maxRelDiff(a.Data, ref); e > 1e-4 {
					t.Errorf("%s differ by %g after export and import", what, e)
				}
			}
			// The imported model saves and loads as a native model.
			native := filepath.Join(t.TempDir(), "native")
			if err := m2.Save(native); err != nil {
				t.Fatal(err)
			}
			if _, err := sae.Load(native); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// SAELens TopK in the pre-6.0 spelling and a JumpReLU SAE that does not
// subtract b_dec from its input: the imported models encode as SAELens.
func TestImportSAELensTopKAndJumpReLU(t *testing.T) {
	const d, h = 9, 14
	rng := rand.New(rand.NewPCG(12, 13))
	x := sae.NewMatrix(60, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for _, c := range []struct {
		name string
		cfg  map[string]any
		want sae.Sparsity
	}{
		{"topk pre-6.0", map[string]any{"architecture": "standard", "activation_fn_str": "topk", "activation_fn_kwargs": map[string]any{"k": 4},
			"d_in": d, "d_sae": h, "dtype": "float32", "apply_b_dec_to_input": true}, sae.SparsityTopK},
		{"topk 6.0", map[string]any{"architecture": "topk", "k": 4, "d_in": d, "d_sae": h, "apply_b_dec_to_input": true,
			"meta": map[string]any{"sae_lens_version": "6.5.0"}}, sae.SparsityTopK},
		{"jumprelu", map[string]any{"architecture": "jumprelu", "d_in": d, "d_sae": h, "activation_fn": "relu",
			"apply_b_dec_to_input": false, "normalize_activations": nil}, sae.SparsityJumpReLU},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := map[string]data.Tensor{"W_enc": randTensor(rng, d, h), "b_enc": randTensor(rng, h), "W_dec": randTensor(rng, h, d), "b_dec": randTensor(rng, d)}
			if c.want == sae.SparsityJumpReLU {
				ts["threshold"] = randTensor(rng, h)
			}
			dir := filepath.Join(t.TempDir(), "sl")
			writeSAELens(t, dir, c.cfg, ts)
			m, err := ImportSAELens(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Config.Sparsity != c.want || (c.want == sae.SparsityTopK && m.Config.K != 4) {
				t.Fatalf("imported %s k %d", m.Config.Sparsity, m.Config.K)
			}
			// The reference reads cfg.json's architecture and k.
			c.cfg["architecture"], c.cfg["k"] = map[sae.Sparsity]string{sae.SparsityTopK: "topk", sae.SparsityJumpReLU: "jumprelu"}[c.want], 4
			writeSAELens(t, dir, c.cfg, ts)
			codes, rec, _ := saelensRef(t, dir, x)
			got, _ := m.Encode(x)
			gotRec, _ := m.Reconstruct(x)
			if e := maxRelDiff(got.Data, codes); e > 1e-5 {
				t.Errorf("codes differ from SAELens's by %g", e)
			}
			if e := maxRelDiff(gotRec.Data, rec); e > 1e-5 {
				t.Errorf("reconstructions differ from SAELens's by %g", e)
			}
		})
	}
}

// writeSAELens writes a SAELens directory with cfg.json cfg and the given
// tensors (F32).
func writeSAELens(t *testing.T, dir string, cfg map[string]any, tensors map[string]data.Tensor) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "cfg.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteSafetensors(filepath.Join(dir, "sae_weights.safetensors"), tensors, nil); err != nil {
		t.Fatal(err)
	}
}

func randTensor(rng *rand.Rand, shape ...int) data.Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 0.5)
	}
	return data.Tensor{Shape: shape, Data: v}
}

// A SAELens SAE that subtracts b_dec from its input and scales its codes
// before decoding (finetuning_scaling_factor), in pre-6.0 spelling: the
// imported model reproduces SAELens's arithmetic.
func TestImportSAELensFoldsInputBiasAndScaling(t *testing.T) {
	const d, h = 12, 9
	rng := rand.New(rand.NewPCG(3, 4))
	ts := map[string]data.Tensor{
		"W_enc": randTensor(rng, d, h), "b_enc": randTensor(rng, h),
		"W_dec": randTensor(rng, h, d), "b_dec": randTensor(rng, d),
		"scaling_factor": randTensor(rng, h),
	}
	dir := filepath.Join(t.TempDir(), "sl")
	writeSAELens(t, dir, map[string]any{"d_in": d, "d_sae": h, "dtype": "torch.float32", "activation_fn_str": "relu",
		"apply_b_dec_to_input": true, "normalize_activations": false, "finetuning_scaling_factor": true, "hook_point": "blocks.0.hook_resid_pre"}, ts)
	m, err := ImportSAELens(dir)
	if err != nil {
		t.Fatal(err)
	}
	x := sae.NewMatrix(50, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	got, _ := m.Encode(x)
	gotRec, _ := m.Reconstruct(x)
	wE, bE, wD, bD, sf := ts["W_enc"].Data, ts["b_enc"].Data, ts["W_dec"].Data, ts["b_dec"].Data, ts["scaling_factor"].Data
	codes := make([]float64, x.Rows*h)
	rec := make([]float64, x.Rows*d)
	for i := 0; i < x.Rows; i++ {
		for k := 0; k < h; k++ {
			s := float64(bE[k])
			for j := 0; j < d; j++ {
				s += float64(x.Data[i*d+j]-bD[j]) * float64(wE[j*h+k])
			}
			codes[i*h+k] = math.Max(s, 0)
		}
		for j := 0; j < d; j++ {
			s := float64(bD[j])
			for k := 0; k < h; k++ {
				s += codes[i*h+k] * float64(sf[k]) * float64(wD[k*d+j])
			}
			rec[i*d+j] = s
		}
	}
	if e := maxRelDiff(got.Data, codes); e > 1e-5 {
		t.Errorf("codes differ from SAELens's by %g", e)
	}
	if e := maxRelDiff(gotRec.Data, rec); e > 1e-5 {
		t.Errorf("reconstructions differ from SAELens's by %g", e)
	}
}

// A SAELens gated SAE whose encoder reads the input as it is
// (apply_b_dec_to_input false) imports as a gated model whose codes and
// reconstructions are SAELens's: both biases of the gate and the
// magnitude take in b_dec·W_enc.
func TestImportSAELensGatedUncentred(t *testing.T) {
	const d, h = 12, 9
	rng := rand.New(rand.NewPCG(3, 5))
	ts := map[string]data.Tensor{
		"W_enc": randTensor(rng, d, h), "b_gate": randTensor(rng, h), "r_mag": randTensor(rng, h), "b_mag": randTensor(rng, h),
		"W_dec": randTensor(rng, h, d), "b_dec": randTensor(rng, d),
	}
	dir := filepath.Join(t.TempDir(), "gated")
	writeSAELens(t, dir, map[string]any{"architecture": "gated", "d_in": d, "d_sae": h, "apply_b_dec_to_input": false, "l1_coefficient": 0.7}, ts)
	m, err := ImportSAELens(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Sparsity != sae.SparsityGated || m.Config.L1 != 0.7 {
		t.Fatalf("imported %v with l1 %g", m, m.Config.L1)
	}
	x := sae.NewMatrix(60, d)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	codes, rec, _ := saelensRef(t, dir, x)
	got, _ := m.Encode(x)
	gotRec, _ := m.Reconstruct(x)
	active := 0
	for _, v := range codes {
		if v > 0 {
			active++
		}
	}
	if active == 0 || active == len(codes) {
		t.Fatalf("%d of %d codes active: the test data does not exercise the gate", active, len(codes))
	}
	if e := maxRelDiff(got.Data, codes); e > 1e-5 {
		t.Errorf("codes differ from SAELens's by %g", e)
	}
	if e := maxRelDiff(gotRec.Data, rec); e > 1e-5 {
		t.Errorf("reconstructions differ from SAELens's by %g", e)
	}
}

// Broken or inexpressible SAELens files are errors naming the file and the
// key or tensor.
func TestImportSAELensRejects(t *testing.T) {
	const d, h = 6, 4
	rng := rand.New(rand.NewPCG(5, 6))
	good := func() (map[string]any, map[string]data.Tensor) {
		return map[string]any{"architecture": "standard", "d_in": d, "d_sae": h, "dtype": "float32", "apply_b_dec_to_input": true, "normalize_activations": "none"},
			map[string]data.Tensor{"W_enc": randTensor(rng, d, h), "b_enc": randTensor(rng, h), "W_dec": randTensor(rng, h, d), "b_dec": randTensor(rng, d)}
	}
	{
		cfg, ts := good()
		dir := filepath.Join(t.TempDir(), "ok")
		writeSAELens(t, dir, cfg, ts)
		if _, err := ImportSAELens(dir); err != nil {
			t.Fatalf("the unbroken directory: %v", err)
		}
	}
	cases := []struct {
		name  string
		edit  func(cfg map[string]any, ts map[string]data.Tensor)
		raw   func(dir string) // edits the written files
		wants []string
	}{
		{"missing d_in", func(c map[string]any, _ map[string]data.Tensor) { delete(c, "d_in") }, nil, []string{"cfg.json", `"d_in" is missing`}},
		{"d_in a string", func(c map[string]any, _ map[string]data.Tensor) { c["d_in"] = "6" }, nil, []string{"cfg.json", `"d_in"`, "whole number"}},
		{"d_sae fractional", func(c map[string]any, _ map[string]data.Tensor) { c["d_sae"] = 4.5 }, nil, []string{"cfg.json", `"d_sae"`}},
		{"d_in disagrees", func(c map[string]any, _ map[string]data.Tensor) { c["d_in"] = d + 1 }, nil, []string{"sae_weights.safetensors", `"W_enc"`, "[6 4]", "[d_in, d_sae] = [7 4]"}},
		{"W_enc transposed", func(_ map[string]any, ts map[string]data.Tensor) { ts["W_enc"] = randTensor(rng, h, d) }, nil, []string{"sae_weights.safetensors", `"W_enc" has shape [4 6]`}},
		{"b_dec missing", func(_ map[string]any, ts map[string]data.Tensor) { delete(ts, "b_dec") }, nil, []string{"sae_weights.safetensors", `"b_dec"`, "missing"}},
		{"extra tensor", func(_ map[string]any, ts map[string]data.Tensor) { ts["b_gate"] = randTensor(rng, h) }, nil, []string{"sae_weights.safetensors", `unexpected tensor "b_gate"`}},
		{"integer tensor", nil, func(dir string) { retype(t, filepath.Join(dir, "sae_weights.safetensors"), "W_dec", "I32") }, []string{"sae_weights.safetensors", `"W_dec"`, "dtype I32"}},
		{"cfg dtype", func(c map[string]any, _ map[string]data.Tensor) { c["dtype"] = "int8" }, nil, []string{"cfg.json", `"dtype"`, "int8"}},
		{"gated without b_gate", func(c map[string]any, _ map[string]data.Tensor) { c["architecture"] = "gated" }, nil, []string{"sae_weights.safetensors", `"b_gate"`, "missing"}},
		{"gated without r_mag", func(c map[string]any, ts map[string]data.Tensor) {
			c["architecture"] = "gated"
			ts["b_gate"] = ts["b_enc"]
			delete(ts, "b_enc")
		}, nil, []string{"sae_weights.safetensors", `"r_mag"`, "missing"}},
		{"unknown architecture", func(c map[string]any, _ map[string]data.Tensor) { c["architecture"] = "matryoshka" }, nil, []string{"cfg.json", `"architecture"`, "matryoshka"}},
		{"transcoder without d_out", func(c map[string]any, _ map[string]data.Tensor) { c["architecture"] = "transcoder" }, nil, []string{"cfg.json", `"d_out" is missing`}},
		{"transcoder of other width", func(c map[string]any, _ map[string]data.Tensor) {
			c["architecture"], c["d_out"] = "transcoder", 3
		}, nil, []string{"sae_weights.safetensors", `"W_dec"`, "[d_sae, d_out] = [4 3]"}},
		{"skip transcoder without W_skip", func(c map[string]any, _ map[string]data.Tensor) {
			c["architecture"], c["d_out"] = "skip_transcoder", d
		}, nil, []string{"sae_weights.safetensors", `"W_skip"`, "missing"}},
		{"skip transcoder's W_skip transposed", func(c map[string]any, ts map[string]data.Tensor) {
			c["architecture"], c["d_out"] = "skip_transcoder", 3
			ts["W_dec"], ts["b_dec"], ts["W_skip"] = randTensor(rng, h, 3), randTensor(rng, 3), randTensor(rng, d, 3)
		}, nil, []string{"sae_weights.safetensors", `"W_skip" has shape [6 3]`}},
		{"tanh-relu", func(c map[string]any, _ map[string]data.Tensor) { c["activation_fn"] = "tanh-relu" }, nil, []string{"cfg.json", `"activation_fn"`, "tanh-relu"}},
		{"layer norm", func(c map[string]any, _ map[string]data.Tensor) { c["normalize_activations"] = "layer_norm" }, nil, []string{"cfg.json", `"normalize_activations"`, "own norm"}},
		{"expected average", func(c map[string]any, _ map[string]data.Tensor) {
			c["normalize_activations"] = "expected_average_only_in"
		}, nil, []string{"cfg.json", `"normalize_activations"`, "fold"}},
		{"apply_b_dec not bool", func(c map[string]any, _ map[string]data.Tensor) { c["apply_b_dec_to_input"] = "yes" }, nil, []string{"cfg.json", `"apply_b_dec_to_input"`}},
		{"scaling factor without tensor", func(c map[string]any, _ map[string]data.Tensor) { c["finetuning_scaling_factor"] = true }, nil, []string{"cfg.json", `"finetuning_scaling_factor"`}},
		{"jumprelu without threshold", func(c map[string]any, _ map[string]data.Tensor) { c["architecture"] = "jumprelu" }, nil, []string{"sae_weights.safetensors", `"threshold"`, "missing"}},
		{"topk without k", func(c map[string]any, _ map[string]data.Tensor) { c["architecture"] = "topk" }, nil, []string{"cfg.json", `"k" is missing`}},
		{"topk k too large", func(c map[string]any, _ map[string]data.Tensor) {
			c["architecture"] = "topk"
			c["k"] = h + 1
		}, nil, []string{"cfg.json", `"k"`, "out of range"}},
		{"multi-line value", nil, func(dir string) {
			os.WriteFile(filepath.Join(dir, "cfg.json"), []byte("{\"d_in\": [6,\n  6], \"d_sae\": 4}"), 0o644)
		}, []string{"cfg.json", `"d_in"`, "got [6,6]"}},
		{"not json", nil, func(dir string) { os.WriteFile(filepath.Join(dir, "cfg.json"), []byte("{d_in: 6"), 0o644) }, []string{"cfg.json", "not a JSON object"}},
		{"no cfg.json", nil, func(dir string) { os.Remove(filepath.Join(dir, "cfg.json")) }, []string{"no cfg.json", "SAELens"}},
		{"no weights", nil, func(dir string) { os.Remove(filepath.Join(dir, "sae_weights.safetensors")) }, []string{"sae_weights.safetensors"}},
		{"truncated weights", nil, func(dir string) {
			p := filepath.Join(dir, "sae_weights.safetensors")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-3], 0o644)
		}, []string{"sae_weights.safetensors"}},
		{"nan weight", func(_ map[string]any, ts map[string]data.Tensor) { ts["b_enc"].Data[1] = float32(math.NaN()) }, nil, []string{"sae_weights.safetensors", `"b_enc"`, "NaN"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, ts := good()
			if c.edit != nil {
				c.edit(cfg, ts)
			}
			dir := filepath.Join(t.TempDir(), "sl")
			writeSAELens(t, dir, cfg, ts)
			if c.raw != nil {
				c.raw(dir)
			}
			_, err := ImportSAELens(dir)
			if err == nil {
				t.Fatal("imported a broken directory")
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error %q is not one line", err)
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// retype rewrites tensor name's dtype in a safetensors header to another
// 4-byte type, leaving offsets valid.
func retype(t *testing.T, path, name, dtype string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := `"` + name + `":{"dtype":"F32"`
	s := strings.Replace(string(b), old, `"`+name+`":{"dtype":"`+dtype+`"`, 1)
	if s == string(b) {
		t.Fatalf("no %s in the header", old)
	}
	os.WriteFile(path, []byte(s), 0o644)
}

// Models SAELens cannot express are refused with the reason.
func TestExportSAELensRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(*sae.Config)
		want   string
	}{
		{"sigmoid", func(c *sae.Config) { c.Activation = sae.Sigmoid; c.Sparsity = sae.SparsityKL }, "sigmoid of the encoder output"},
		{"tanh", func(c *sae.Config) { c.Activation = sae.Tanh }, "tanh of the encoder output"},
		{"deep", func(c *sae.Config) { c.Layers = []int{9, 5} }, "deep model with 2 encoder layers"},
		{"variational", func(c *sae.Config) { c.Variational = true; c.Sparsity = sae.SparsityNone }, "variational"},
		{"bce", func(c *sae.Config) { c.Loss = sae.BCE }, "sigmoid (Config.Loss bce)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := randModel(t, 11, 5, sae.NormalizeStandard, c.mutate)
			dir := filepath.Join(t.TempDir(), "out")
			err := ExportSAELens(m, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "SAELens cannot express") {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
			if _, e := os.Stat(dir); e == nil {
				t.Fatal("a refused export left a directory behind")
			}
			if _, e := SAELensArchitecture(m); e == nil {
				t.Fatal("SAELensArchitecture accepted it")
			}
		})
	}
}

// writeSparsify writes a sparsify sparse coder directory.
func writeSparsify(t testing.TB, dir string, cfg map[string]any, tensors map[string]data.Tensor) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	b, _ := json.Marshal(cfg)
	os.WriteFile(filepath.Join(dir, "cfg.json"), b, 0o644)
	if err := data.WriteSafetensors(filepath.Join(dir, "sae.safetensors"), tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
}

// topkRef is the k largest entries of each row of pre through relu, the
// rest 0.
func topkRef(pre []float64, rows, h, k int) []float64 {
	out := make([]float64, len(pre))
	for i := 0; i < rows; i++ {
		r := pre[i*h : i*h+h]
		idx := make([]int, h)
		for j := range idx {
			idx[j] = j
		}
		sort.SliceStable(idx, func(a, b int) bool { return r[idx[a]] > r[idx[b]] })
		for _, j := range idx[:k] {
			out[i*h+j] = math.Max(r[j], 0)
		}
	}
	return out
}

// A sparsify coder read into the raw-input form encodes as sparsify does:
// topk of relu((x - b_dec)·encoder.weight^T + encoder.bias).
func TestReadSparsifyEncodesAsSparsify(t *testing.T) {
	const d, h, k = 10, 24, 3
	rng := rand.New(rand.NewPCG(8, 9))
	ts := map[string]data.Tensor{
		"encoder.weight": randTensor(rng, h, d), "encoder.bias": randTensor(rng, h),
		"W_dec": randTensor(rng, h, d), "b_dec": randTensor(rng, d),
	}
	dir := filepath.Join(t.TempDir(), "layers.3")
	writeSparsify(t, dir, map[string]any{"activation": "topk", "expansion_factor": 32, "normalize_decoder": true, "num_latents": h, "k": k, "multi_topk": false, "skip_connection": false, "transcode": false, "d_in": d}, ts)
	l, err := readSparsify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.latent != latentTopK || l.k != k || l.d != d || l.h != h || !l.centred {
		t.Fatalf("read %s k=%d %dx%d centred %v", l.latent, l.k, l.d, l.h, l.centred)
	}
	l.setCentred(false) // the encoder as x·wEnc + bEnc: b_dec folded into bEnc
	const n = 40
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	W, b, bd := ts["encoder.weight"].Data, ts["encoder.bias"].Data, ts["b_dec"].Data
	want := make([]float64, n*h)
	got := make([]float64, n*h)
	for i := 0; i < n; i++ {
		for m := 0; m < h; m++ {
			s, g := float64(b[m]), float64(l.bEnc[m])
			for j := 0; j < d; j++ {
				s += (x[i*d+j] - float64(bd[j])) * float64(W[m*d+j])
				g += x[i*d+j] * float64(l.wEnc[j*h+m])
			}
			want[i*h+m], got[i*h+m] = math.Max(s, 0), g
		}
	}
	want, got = topkRef(want, n, h, k), topkRef(got, n, h, k)
	for i := range want {
		if math.Abs(want[i]-got[i]) > 1e-5 {
			t.Fatalf("code %d: %g, sparsify gives %g", i, got[i], want[i])
		}
	}
	// The imported model encodes as sparsify.
	m, err := ImportSparsify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Sparsity != sae.SparsityTopK || m.Config.K != k {
		t.Fatalf("imported %s k %d", m.Config.Sparsity, m.Config.K)
	}
	x32 := sae.NewMatrix(n, d)
	for i, v := range x {
		x32.Data[i] = float32(v)
	}
	codes, _ := m.Encode(x32)
	for i := range want {
		if math.Abs(float64(codes.Data[i])-want[i]) > 1e-5 {
			t.Fatalf("imported model's code %d: %g, sparsify gives %g", i, codes.Data[i], want[i])
		}
	}
	if f, err := Detect(dir); err != nil || f != Sparsify {
		t.Fatalf("Detect: %s %v", f, err)
	}
	if f, err := Detect(filepath.Dir(dir)); err != nil || f != Sparsify {
		t.Fatalf("Detect on the checkpoint: %s %v", f, err)
	}
	if _, err := ImportSparsify(filepath.Dir(dir)); err == nil || !strings.Contains(err.Error(), "import one of") || !strings.Contains(err.Error(), "layers.3") {
		t.Fatalf("import of a multi-hookpoint checkpoint: %v", err)
	}
}

// Broken or inexpressible sparsify files are errors naming the file and
// the key or tensor.
func TestImportSparsifyRejects(t *testing.T) {
	const d, h = 5, 8
	rng := rand.New(rand.NewPCG(10, 11))
	good := func() (map[string]any, map[string]data.Tensor) {
		return map[string]any{"activation": "topk", "num_latents": h, "k": 2, "d_in": d},
			map[string]data.Tensor{"encoder.weight": randTensor(rng, h, d), "encoder.bias": randTensor(rng, h), "W_dec": randTensor(rng, h, d), "b_dec": randTensor(rng, d)}
	}
	for _, c := range []struct {
		name  string
		edit  func(cfg map[string]any, ts map[string]data.Tensor)
		wants []string
	}{
		{"groupmax", func(c map[string]any, _ map[string]data.Tensor) { c["activation"] = "groupmax" }, []string{"cfg.json", `"activation"`, "groupmax"}},
		{"transcoder", func(c map[string]any, _ map[string]data.Tensor) { c["transcode"] = true }, []string{"cfg.json", `"transcode"`}},
		{"skip", func(c map[string]any, _ map[string]data.Tensor) { c["skip_connection"] = true }, []string{"cfg.json", `"skip_connection"`}},
		{"W_skip tensor", func(_ map[string]any, ts map[string]data.Tensor) { ts["W_skip"] = randTensor(rng, d, d) }, []string{"sae.safetensors", `"W_skip"`}},
		{"missing d_in", func(c map[string]any, _ map[string]data.Tensor) { delete(c, "d_in") }, []string{"cfg.json", `"d_in" is missing`}},
		{"expansion factor", func(c map[string]any, _ map[string]data.Tensor) { c["num_latents"] = 0; c["expansion_factor"] = 2 }, []string{"sae.safetensors", `"encoder.weight" has shape [8 5]`, "[10 5]"}},
		{"encoder transposed", func(_ map[string]any, ts map[string]data.Tensor) { ts["encoder.weight"] = randTensor(rng, d, h) }, []string{"sae.safetensors", `"encoder.weight"`, "[num_latents, d_in]"}},
		{"k too large", func(c map[string]any, _ map[string]data.Tensor) { c["k"] = h + 1 }, []string{"cfg.json", `"k"`}},
		{"no decoder", func(_ map[string]any, ts map[string]data.Tensor) { delete(ts, "W_dec") }, []string{"sae.safetensors", `"W_dec"`, "missing"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, ts := good()
			c.edit(cfg, ts)
			dir := filepath.Join(t.TempDir(), "sp")
			writeSparsify(t, dir, cfg, ts)
			_, err := ImportSparsify(dir)
			if err == nil {
				t.Fatal("imported a broken directory")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	m := randModel(t, 4, 3, sae.NormalizeNone, nil)
	dir := filepath.Join(t.TempDir(), "sl")
	if err := ExportSAELens(m, dir); err != nil {
		t.Fatal(err)
	}
	if f, err := Detect(dir); err != nil || f != SAELens {
		t.Fatalf("Detect: %s %v", f, err)
	}
	if _, err := Detect(t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Fatalf("empty dir: %v", err)
	}
	if _, err := Import("onnx", dir); err == nil {
		t.Fatal("unknown format accepted")
	}
}
