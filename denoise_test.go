package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

func TestParseNoise(t *testing.T) {
	for _, s := range []string{"", "gaussian:0.3", "mask:0.5", "saltpepper:0.1"} {
		if _, err := parseNoise(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"gaussian", "gaussian:x", "mask:1.5", "blur:2", "gaussian:-1"} {
		if _, err := parseNoise(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// A denoising autoencoder reconstructs the clean rows from corrupted ones
// better than the same model trained without noise.
func TestDenoisingBeatsPlainOnNoisyInput(t *testing.T) {
	x := sparseData(3000, 30, 15, 2, 11)
	test := sparseData(500, 30, 15, 2, 11) // same features: the generator is seeded
	rng := rand.New(rand.NewPCG(9, 9))
	noisy := NewMatrix(test.Rows, test.Cols)
	for i, v := range test.Data {
		noisy.Data[i] = v + float32(0.3*rng.NormFloat64())
	}
	var valGain float64
	errOf := func(noise string) float64 {
		cfg := DefaultConfig()
		cfg.Hidden = 60 // overcomplete: without noise it can learn to copy
		cfg.Sparsity = SparsityNone
		cfg.Activation = ReLU
		cfg.Epochs = 30
		cfg.LR = 0.005
		cfg.Noise = noise
		m, err := Train(context.Background(), x, cfg, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// A denoiser reports its gain on its corrupted validation rows;
		// others do not.
		if g := m.History.DenoiseGain; (g != nil) != (noise != "") {
			t.Errorf("noise %q: denoising gain %v (nil: none reported)", noise, fmtGain(g))
		} else if g != nil {
			valGain = *g
			// Scored by the recipe's autoencoders beside it; one saved
			// before that (no members) by itself, as it was.
			if sc := m.Scorers(); len(sc) != 3 || sc[0] == m || sc[0].Config.Noise != "" {
				t.Errorf("a denoiser has %d scorers, the first itself %v", len(sc), sc[0] == m)
			}
			members := m.detector
			m.detector = nil
			if sc := m.Scorers(); len(sc) != 1 || sc[0] != m {
				t.Errorf("a denoiser saved without members has %d scorers; want itself", len(sc))
			}
			m.detector = members
		}
		rec, _ := m.Reconstruct(noisy)
		var se float64
		for i, v := range rec.Data {
			e := float64(v - test.Data[i])
			se += e * e
		}
		return se / float64(len(rec.Data))
	}
	plain, den := errOf(""), errOf("gaussian:0.3")
	t.Logf("mse against clean: plain %.5f, denoising %.5f", plain, den)
	if !(den < 0.8*plain) {
		t.Errorf("denoising mse %.5f is not clearly below the plain model's %.5f", den, plain)
	}
	// The gain reported on the validation rows is the one these test rows
	// show (the noise's mse is 0.3^2), within a dB.
	testGain := 10 * math.Log10(0.09/den)
	t.Logf("denoising gain: validation rows %+.2f dB, test rows %+.2f dB", valGain, testGain)
	if math.Abs(valGain-testGain) > 1 {
		t.Errorf("the reported gain %+.2f dB is not the test rows' %+.2f dB", valGain, testGain)
	}
}

// The corruption is in the data's units, whatever the scaling: gaussian
// noise of sd S is S/Scale in scaled units, and a masked value is the
// scaled value of an input 0.
func TestCorruptionInInputUnits(t *testing.T) {
	const d, rows = 2, 20000
	nz := &Normalizer{Kind: NormalizeStandard, Shift: []float32{1, -3}, Scale: []float32{2, 0.5}}
	clean := make([]float32, rows*d)
	dst := make([]float32, rows*d)
	rng := rand.New(rand.NewPCG(1, 2))
	g, _ := parseNoise("gaussian:0.4")
	newCorrupter(g, nz, d, nil, nil).corrupt(dst, clean, d, rng)
	for j := 0; j < d; j++ {
		var ss float64
		for i := 0; i < rows; i++ {
			v := float64(dst[i*d+j])
			ss += v * v
		}
		sd, want := math.Sqrt(ss/rows), 0.4/float64(nz.Scale[j])
		if math.Abs(sd-want) > 0.02*want {
			t.Errorf("column %d: scaled noise sd %.4f, want %.4f (0.4 in input units)", j, sd, want)
		}
	}
	m, _ := parseNoise("mask:0.5")
	newCorrupter(m, nz, d, nil, nil).corrupt(dst, clean, d, rng)
	for j := 0; j < d; j++ {
		want := -nz.Shift[j] / nz.Scale[j]
		var masked int
		for i := 0; i < rows; i++ {
			if v := dst[i*d+j]; v == want {
				masked++
			} else if v != 0 {
				t.Fatalf("column %d: a value %g is neither clean (0) nor an input 0 (%g scaled)", j, v, want)
			}
		}
		if masked < rows/3 {
			t.Errorf("column %d: %d of %d values masked at p 0.5", j, masked, rows)
		}
	}
}

func fmtGain(g *float64) any {
	if g == nil {
		return nil
	}
	return *g
}
