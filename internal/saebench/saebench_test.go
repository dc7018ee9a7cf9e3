package saebench

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sae-go/sae"
)

// oneLayer builds a relu model with the given weights (d inputs, h latents).
func oneLayer(t *testing.T, d, h int, wEnc, bEnc, wDec, bDec []float32, norm *sae.Normalizer) *sae.Model {
	t.Helper()
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Activation, cfg.Sparsity = h, sae.ReLU, sae.SparsityNone
	m, err := sae.FromWeights(cfg, d, map[string][]float32{"W_enc": wEnc, "b_enc": bEnc, "W_dec": wDec, "b_dec": bDec}, norm)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func eye(n int, s float32) []float32 {
	w := make([]float32, n*n)
	for i := range n {
		w[i*n+i] = s
	}
	return w
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6*max(1, math.Abs(want)) {
		t.Errorf("%s = %.9g, want %.9g", what, got, want)
	}
}

func core(t *testing.T, m *sae.Model, x sae.Matrix) (Core, []float64) {
	t.Helper()
	c, dens, err := CoreMetrics(context.Background(), m, x)
	if err != nil {
		t.Fatal(err)
	}
	return c, dens
}

// The identity SAE on positive data reconstructs exactly: explained
// variance 1, L0 = d; halving the decoder halves the output.
func TestCoreIdentity(t *testing.T) {
	x := sae.Matrix{Rows: 4, Cols: 3, Data: []float32{1, 2, 3, 4, 5, 6, 2, 1, 0.5, 3, 3, 3}}
	c, dens := core(t, oneLayer(t, 3, 3, eye(3, 1), make([]float32, 3), eye(3, 1), make([]float32, 3), nil), x)
	rq, sh := c.ReconstructionQuality, c.Shrinkage
	near(t, "explained_variance", rq.ExplainedVariance, 1)
	near(t, "mse", rq.MSE, 0)
	near(t, "cossim", rq.Cossim, 1)
	near(t, "l2_ratio", sh.L2Ratio, 1)
	near(t, "relative_reconstruction_bias", sh.RelativeReconstructionBias, 1)
	near(t, "l0", c.Sparsity.L0, 3)
	near(t, "l1", c.Sparsity.L1, (6+15+3.5+9)/4.0)
	near(t, "l2_norm_in", sh.L2NormIn, (math.Sqrt(14)+math.Sqrt(77)+math.Sqrt(5.25)+math.Sqrt(27))/4)
	near(t, "frac_alive", c.Misc.FracAlive, 1)
	near(t, "average_max_encoder_cosine_sim", c.Misc.AverageMaxEncoderCosineSim, 0)
	for j, p := range dens {
		near(t, "density", p, 1)
		_ = j
	}
	// x̂ = x/2: the l2 ratio and the bias are 1/2, the cosine 1, and the
	// variance explained 1 - Σ||x/2||² / Σ||x - μ||².
	c, _ = core(t, oneLayer(t, 3, 3, eye(3, 1), make([]float32, 3), eye(3, 0.5), make([]float32, 3), nil), x)
	near(t, "l2_ratio (half)", c.Shrinkage.L2Ratio, 0.5)
	near(t, "relative_reconstruction_bias (half)", c.Shrinkage.RelativeReconstructionBias, 0.5)
	near(t, "cossim (half)", c.ReconstructionQuality.Cossim, 1)
	// Column means 2.5, 2.75, 3.125: Σ (x - μ)² = 5 + 8.75 + 15.1875.
	near(t, "explained_variance (half)", c.ReconstructionQuality.ExplainedVariance, 1-(14+77+5.25+27)/4/(5+8.75+15.1875))
}

// Predicting the mean explains no variance; every figure by hand on
// x = [[1, 0], [3, 2]], μ = [2, 1].
func TestCoreMean(t *testing.T) {
	x := sae.Matrix{Rows: 2, Cols: 2, Data: []float32{1, 0, 3, 2}}
	m := oneLayer(t, 2, 2, make([]float32, 4), make([]float32, 2), eye(2, 1), []float32{2, 1}, nil)
	c, _ := core(t, m, x)
	rq, sh := c.ReconstructionQuality, c.Shrinkage
	near(t, "explained_variance", rq.ExplainedVariance, 0)
	near(t, "mse", rq.MSE, 1) // residuals ±1 in every element
	near(t, "cossim", rq.Cossim, (2/math.Sqrt(5)+8/math.Sqrt(65))/2)
	near(t, "l2_norm_in", sh.L2NormIn, (1+math.Sqrt(13))/2)
	near(t, "l2_norm_out", sh.L2NormOut, math.Sqrt(5))
	near(t, "l2_ratio", sh.L2Ratio, (math.Sqrt(5)+math.Sqrt(5)/math.Sqrt(13))/2)
	near(t, "relative_reconstruction_bias", sh.RelativeReconstructionBias, 5/((2+8)/2.0))
	near(t, "l0", c.Sparsity.L0, 0)
	near(t, "frac_alive", c.Misc.FracAlive, 0)
}

// Densities 0.5%, 5%, 50% and 0 give the frequency figures by hand.
func TestMiscDensities(t *testing.T) {
	const n = 200
	x := sae.Matrix{Rows: n, Cols: 4, Data: make([]float32, n*4)}
	for r := range n {
		if r < 1 {
			x.Data[r*4+0] = 1
		}
		if r < 10 {
			x.Data[r*4+1] = 2
		}
		if r < 100 {
			x.Data[r*4+2] = 3
		}
	}
	c, dens := core(t, oneLayer(t, 4, 4, eye(4, 1), make([]float32, 4), eye(4, 1), make([]float32, 4), nil), x)
	for j, want := range []float64{0.005, 0.05, 0.5, 0} {
		near(t, "density", dens[j], want)
	}
	near(t, "frac_alive", c.Misc.FracAlive, 0.75)
	near(t, "freq_over_1_percent", c.Misc.FreqOver1Percent, 0.5)
	near(t, "freq_over_10_percent", c.Misc.FreqOver10Percent, 0.25)
	near(t, "normalized_freq_over_1_percent", c.Misc.NormalizedFreqOver1Percent, 0.55/0.555)
	near(t, "normalized_freq_over_10_percent", c.Misc.NormalizedFreqOver10Percent, 0.5/0.555)
}

// Encoder columns (1,0), (1,1), (0,1) are each 45° from a neighbour;
// decoder rows (1,0), (-1,0), (0,1) have no positive neighbour. With input
// scales (2, 1) folded in, the encoder columns become (1/2,0), (1/2,1), (0,1).
func TestMaxCosine(t *testing.T) {
	wEnc := []float32{1, 1, 0, 0, 1, 1}  // d=2 x h=3
	wDec := []float32{1, 0, -1, 0, 0, 1} // h=3 x d=2
	m := oneLayer(t, 2, 3, wEnc, make([]float32, 3), wDec, make([]float32, 2), nil)
	c, _ := core(t, m, sae.Matrix{Rows: 1, Cols: 2, Data: []float32{1, 1}})
	near(t, "average_max_encoder_cosine_sim", c.Misc.AverageMaxEncoderCosineSim, 1/math.Sqrt2)
	near(t, "average_max_decoder_cosine_sim", c.Misc.AverageMaxDecoderCosineSim, 0)
	m = oneLayer(t, 2, 3, wEnc, make([]float32, 3), wDec, make([]float32, 2), &sae.Normalizer{Kind: sae.NormalizeStandard, Shift: []float32{0, 0}, Scale: []float32{2, 1}})
	c, _ = core(t, m, sae.Matrix{Rows: 1, Cols: 2, Data: []float32{1, 1}})
	// cos((1/2,0),(1/2,1)) = 1/√5; cos((1/2,1),(0,1)) = 2/√5.
	near(t, "folded average_max_encoder_cosine_sim", c.Misc.AverageMaxEncoderCosineSim, (1/math.Sqrt(5)+2/math.Sqrt(5)+2/math.Sqrt(5))/3)
	nb, err := DecoderNeighbours(m, 2)
	if err != nil {
		t.Fatal(err)
	}
	if nb[0][0].Latent != 2 || nb[0][1].Latent != 1 || nb[0][1].Cosine != -1 {
		t.Fatalf("neighbours of latent 0: %+v", nb[0])
	}
}

// The logistic regression minimises scikit-learn's objective: on x = ±1
// with labels 1 and 0, b = 0 and w solves w = 2σ(-w).
func TestLogistic(t *testing.T) {
	w, b := fitLogistic([]float64{1, -1}, []bool{true, false}, 1)
	near(t, "b", b, 0)
	near(t, "w - 2σ(-w)", w[0]-2/(1+math.Exp(w[0])), 0)
	// Gradient zero at the optimum on random data with three features.
	rng := rand.New(rand.NewPCG(3, 3))
	x, y := make([]float64, 300), make([]bool, 100)
	for i := range y {
		for j := range 3 {
			x[i*3+j] = rng.NormFloat64()
		}
		y[i] = x[i*3]+0.5*rng.NormFloat64() > 0
	}
	w, b = fitLogistic(x, y, 3)
	g, hess := make([]float64, 4), make([]float64, 16)
	logisticGrad(x, y, 3, append(append([]float64{}, w...), b), g, hess)
	for i, v := range g {
		near(t, "gradient", v, 0)
		_ = i
	}
}

// A latent equal to the label is chosen first and probes perfectly; the
// JSON keys are SAEBench's.
func TestSparseProbing(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n = 400
	x := sae.Matrix{Rows: n, Cols: 3, Data: make([]float32, n*3)}
	labels := make([]int, n)
	for r := range n {
		labels[r] = r % 2
		x.Data[r*3] = float32(rng.Float64())
		x.Data[r*3+1] = float32(labels[r]) * 2
		x.Data[r*3+2] = float32(rng.Float64())
	}
	m := oneLayer(t, 3, 3, eye(3, 1), make([]float32, 3), eye(3, 1), make([]float32, 3), nil)
	p, err := SparseProbing(context.Background(), m, x, labels, ProbeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"1", "2", "5"} {
		near(t, "sae top "+k, p.SAE["sae_top_"+k+"_test_accuracy"], 1)
		near(t, "llm top "+k, p.LLM["llm_top_"+k+"_test_accuracy"], 1)
	}
	if p.Classes != 2 {
		t.Fatalf("%d tasks", p.Classes)
	}
	// The label in column 1 only: top-1 on column 0 (noise) is near chance.
	for r := range n {
		x.Data[r*3+1] = float32(rng.Float64())
		x.Data[r*3] += float32(labels[r]) * 0.02
	}
	p, _ = SparseProbing(context.Background(), m, x, labels, ProbeOptions{})
	if a := p.SAE["sae_top_1_test_accuracy"]; a > 0.9 {
		t.Fatalf("a barely informative latent probes at %g", a)
	}
	b, _ := json.Marshal(p)
	if !strings.Contains(string(b), `"sae":{"sae_top_1_test_accuracy"`) {
		t.Fatalf("JSON %s", b)
	}
}

// Decoder rows built from few shared directions are explained by the
// meta-SAE; random rows much less; identical rows have no variance (0).
func TestMetaSAE(t *testing.T) {
	const h, d = 64, 64
	rng := rand.New(rand.NewPCG(7, 7))
	atoms := make([]float64, 8*d)
	for i := range atoms {
		atoms[i] = rng.NormFloat64()
	}
	structured, random := make([]float32, h*d), make([]float32, h*d)
	for r := range h {
		a, b := rng.IntN(8), rng.IntN(8)
		for j := range d {
			structured[r*d+j] = float32(atoms[a*d+j] + 0.5*atoms[b*d+j])
			random[r*d+j] = float32(rng.NormFloat64())
		}
	}
	fve := func(dec []float32) float64 {
		m := oneLayer(t, d, h, make([]float32, d*h), make([]float32, h), dec, make([]float32, d), nil)
		out, err := MetaSAE(context.Background(), m, MetaOptions{Steps: 400, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		return out.DecoderFractionVarianceExplained
	}
	s, r := fve(structured), fve(random)
	t.Logf("structured %.3f random %.3f", s, r)
	if s < 0.8 || r > s-0.3 {
		t.Fatalf("fraction of variance explained: structured %.3f, random %.3f", s, r)
	}
	same := make([]float32, h*d)
	for i := range same {
		same[i] = float32(i % d)
	}
	near(t, "identical rows", fve(same), 0)
}
