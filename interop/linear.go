package interop

// The one form every format is read into and written from.

import (
	"fmt"
	"math"

	"github.com/sae-go/sae"
)

// latent is the nonlinearity between the encoder and the codes.
type latent string

const (
	// latentReLU: codes = max(pre, 0).
	latentReLU latent = "relu"
	// latentTopK: the k largest pre-activations of each row, through relu;
	// the rest 0.
	latentTopK latent = "topk"
	// latentJumpReLU: codes = pre where pre > threshold (per latent) and
	// pre > 0, else 0.
	latentJumpReLU latent = "jumprelu"
	// latentGated: codes = relu(pre·exp(rMag) - bEnc·exp(rMag) + bMag)
	// where pre > 0 (the gate; bEnc is its bias), else 0.
	latentGated latent = "gated"
)

// linear is a one-layer sparse autoencoder in raw input units, the form
// every format here is read into and written from:
//
//	pre   = (x - bDec·centred)·wEnc + bEnc    x [n,d], wEnc [d,h], bEnc [h]
//	codes = latent(pre)                       [n,h]
//	x̂     = codes·wDec + bDec (+ x·wSkip)     wDec [h,o], bDec [o], wSkip [d,o]
//
// o is d but for a transcoder (transcoder set), whose decoder predicts a
// target of o columns in the target's raw units, whose encoder reads x
// as it is (never centred) and which may have the linear skip wSkip.
//
// centred says whether the encoder reads the input centred by the decoder
// bias (SAELens's apply_b_dec_to_input, sparsify's encoder, sae's topk and
// batchtopk models) or as it is (sae's penalty models); setCentred moves
// between the two without changing pre.
type linear struct {
	d, h, o                int
	transcoder             bool
	wEnc, bEnc, wDec, bDec []float32
	wSkip                  []float32 // a transcoder's skip [d,o], or nil
	centred                bool
	latent                 latent
	k                      int       // topk: latents kept per row; jumprelu: BatchTopK's k if known (0: not)
	threshold              []float32 // jumprelu: [h]
	groups                 []int     // jumprelu: the Matryoshka widths it was trained with (nil: not Matryoshka)
	rMag, bMag             []float32 // gated: the magnitude path's log scales and biases [h]
	l1                     float64   // the L1 coefficient it was trained with (0: unknown)
	l0, bandwidth          float64   // jumprelu: the L0 coefficient and bandwidth it was trained with (0: unknown)
}

// fromModel maps m to its raw-input form, folding m's input normalisation
// x_n = (x - shift)/scale into the weights:
//
//	W_enc'[j,k] = W_enc[j,k] / scale_j
//	W_dec'[k,j] = W_dec[k,j] * scale_j
//	b_dec'[j]   = b_dec[j] * scale_j + shift_j
//	b_enc'[k]   = b_enc[k] - sum_j shift_j W_enc'[j,k]   (encoder reads x_n)
//	b_enc'[k]   = b_enc[k]                               (reads x_n - b_dec, centred)
//
// so that the pre-activations of raw x are the model's of the scaled x
// (for a centred encoder x_n - b_dec = (x - b_dec')/scale) and the
// decoder's output is in input units. A transcoder's decoder folds the
// target's scaling (shift_q, scale_q of its column q) instead, and its
// skip both:
//
//	W_skip'[j,q] = W_skip[j,q] * scale_q / scale_j
//	b_dec'[q]    = b_dec[q] * scale_q + shift_q - sum_j shift_j W_skip'[j,q]
//
// (and a gated transcoder's magnitude bias b_mag'[k] = b_mag[k] -
// exp(r_mag[k]) sum_j shift_j W_enc'[j,k], its path reading x_n·W_enc). Sums run in float64. Models
// a one-layer relu autoencoder with a linear decoder cannot describe are
// refused with the reason; format names the target in the message.
func fromModel(m *sae.Model, format string) (*linear, error) {
	c := m.Config
	no := func(why string, a ...any) error {
		return fmt.Errorf("%s cannot express %v: %s", format, m, fmt.Sprintf(why, a...))
	}
	switch {
	case c.Variational:
		return nil, no("its code is the mean of a Gaussian encoder layer (variational)")
	case len(c.Layers) > 1:
		return nil, no("it is a deep model with %d encoder layers; %s has one encoder and one decoder layer", len(c.Layers), format)
	case c.Activation != sae.ReLU:
		return nil, no("its latents are %s of the encoder output, %s's are relu of it (train with Config.Activation relu)", c.Activation, format)
	case c.Loss != sae.MSE:
		return nil, no("its decoder ends in a sigmoid (Config.Loss %s), %s's decoder is linear (train with Config.Loss mse)", c.Loss, format)
	}
	w := m.Weights()
	d, h, o := m.Inputs, m.Hidden(), m.Outputs()
	l := &linear{d: d, h: h, o: o, transcoder: m.Transcoder(), latent: latentReLU,
		wEnc: make([]float32, d*h), bEnc: make([]float32, h), wDec: make([]float32, h*o), bDec: make([]float32, o)}
	switch c.Sparsity {
	case sae.SparsityNone, sae.SparsityKL: // relu codes of the plain autoencoder
	case sae.SparsityL1:
		l.l1 = c.L1
	case sae.SparsityTopK:
		l.latent, l.k, l.centred = latentTopK, c.K, true
	case sae.SparsityBatchTopK, sae.SparsityMatryoshka, sae.SparsityJumpReLU:
		// At inference a BatchTopK code (Matryoshka's too) is JumpReLU at
		// the learned per-latent threshold; the pre-activations the
		// threshold applies to are unchanged by the folding below.
		l.latent, l.centred = latentJumpReLU, true
		l.threshold = w["threshold"]
		switch c.Sparsity {
		case sae.SparsityJumpReLU:
			l.l0, l.bandwidth = c.L0Coef, c.Bandwidth
		case sae.SparsityMatryoshka:
			l.k, l.groups = c.K, c.Groups
		default:
			l.k = c.K
		}
	case sae.SparsityGated:
		// The magnitude path reads the gate's pre-activations without its
		// bias, scaled: unchanged by the folding below.
		l.latent, l.centred, l.l1 = latentGated, true, c.L1
		l.rMag, l.bMag = w["r_mag"], w["b_mag"]
	default:
		return nil, no("its sparsity kind %s has no counterpart there", c.Sparsity)
	}
	if l.transcoder {
		l.centred = false // its encoder reads x as it is
	}
	wEnc, bEnc, wDec, bDec := w["W_enc"], w["b_enc"], w["W_dec"], w["b_dec"]
	shift, scale := scaling(m.Norm, d)
	yShift, yScale := shift, scale
	if l.transcoder {
		yShift, yScale = scaling(m.TargetNorm, o)
	}
	bias := make([]float64, h)
	for k := range bias {
		bias[k] = float64(bEnc[k])
	}
	for j := 0; j < d; j++ {
		for k := 0; k < h; k++ {
			v := float64(wEnc[j*h+k]) / scale[j]
			l.wEnc[j*h+k] = float32(v)
			if !l.centred {
				bias[k] -= shift[j] * v
			}
		}
	}
	for k := range bias {
		if l.latent == latentGated && !l.centred {
			e := math.Exp(float64(l.rMag[k])) // l.rMag, l.bMag are copies (Model.Weights)
			l.bMag[k] = float32(float64(l.bMag[k]) + e*(bias[k]-float64(bEnc[k])))
		}
		l.bEnc[k] = float32(bias[k])
	}
	for k := 0; k < h; k++ {
		for q := 0; q < o; q++ {
			l.wDec[k*o+q] = float32(float64(wDec[k*o+q]) * yScale[q])
		}
	}
	outBias := make([]float64, o)
	for q := range outBias {
		outBias[q] = float64(bDec[q])*yScale[q] + yShift[q]
	}
	if skip := w["W_skip"]; skip != nil {
		l.wSkip = make([]float32, d*o)
		for j := 0; j < d; j++ {
			for q := 0; q < o; q++ {
				v := float64(skip[j*o+q]) * yScale[q] / scale[j]
				l.wSkip[j*o+q] = float32(v)
				outBias[q] -= shift[j] * v
			}
		}
	}
	for q, v := range outBias {
		l.bDec[q] = float32(v)
	}
	return l, nil
}

// scaling is nz's shift and scale of each of d columns in float64 (0 and
// 1 for nil).
func scaling(nz *sae.Normalizer, d int) (shift, scale []float64) {
	shift, scale = make([]float64, d), make([]float64, d)
	for j := range scale {
		scale[j] = 1
		if nz != nil {
			shift[j], scale[j] = float64(nz.Shift[j]), float64(nz.Scale[j])
		}
	}
	return shift, scale
}

// setCentred rewrites l so that its encoder reads x - bDec (c true) or x
// (c false) with the same pre-activations: (x - bDec)·wEnc + bEnc' =
// x·wEnc + bEnc for bEnc' = bEnc + bDec·wEnc (and a gated model's
// magnitude bias likewise, its column scaled by exp(rMag)).
func (l *linear) setCentred(c bool) {
	if l.centred == c {
		return
	}
	sign := -1.0
	if c {
		sign = 1
	}
	for k := 0; k < l.h; k++ {
		s := float64(l.bEnc[k])
		var dot float64
		for j := 0; j < l.d; j++ {
			dot += float64(l.bDec[j]) * float64(l.wEnc[j*l.h+k])
		}
		l.bEnc[k] = float32(s + sign*dot)
		if l.latent == latentGated {
			l.bMag[k] = float32(float64(l.bMag[k]) + sign*math.Exp(float64(l.rMag[k]))*dot)
		}
	}
	l.centred = c
}

// scaleDecoderRows folds a per-latent factor applied to the codes before
// decoding into the rows of W_dec; the codes themselves are unchanged.
func (l *linear) scaleDecoderRows(f []float32) {
	for k := 0; k < l.h; k++ {
		for j := 0; j < l.o; j++ {
			l.wDec[k*l.o+j] *= f[k]
		}
	}
}

// model builds the native model of l (no input normalisation, anomaly
// threshold 0): relu latents as an l1 model, topk as topk, jumprelu as
// jumprelu, or as batchtopk (whose inference rule it is) when l knows a
// BatchTopK k, matryoshka when it knows Matryoshka widths too; gated as
// gated.
func (l *linear) model() (*sae.Model, error) {
	cfg := sae.DefaultConfig()
	cfg.Hidden = l.h
	cfg.Activation = sae.ReLU
	cfg.Loss = sae.MSE
	cfg.Normalize = sae.NormalizeNone
	switch l.latent {
	case latentReLU:
		cfg.Sparsity = sae.SparsityL1
		if l.l1 > 0 {
			cfg.L1 = l.l1
		}
	case latentTopK:
		cfg.Sparsity, cfg.K = sae.SparsityTopK, l.k
	case latentJumpReLU:
		// BatchTopK's inference rule is JumpReLU's: latent j is active
		// where its pre-activation exceeds threshold_j (and 0). A k says
		// the SAE was trained as BatchTopK (an sae export).
		cfg.Sparsity = sae.SparsityJumpReLU
		switch {
		case l.k > 0 && len(l.groups) > 0:
			cfg.Sparsity, cfg.K, cfg.Groups = sae.SparsityMatryoshka, l.k, l.groups
		case l.k > 0:
			cfg.Sparsity, cfg.K = sae.SparsityBatchTopK, l.k
		default:
			cfg.L0Coef, cfg.Bandwidth = l.l0, l.bandwidth
		}
	case latentGated:
		cfg.Sparsity = sae.SparsityGated
		if l.l1 > 0 {
			cfg.L1 = l.l1
		}
	default:
		return nil, fmt.Errorf("its latents are %s, which sae does not have", l.latent)
	}
	// The weights come as they are: no unit-norm decoder rows to claim.
	cfg.DecoderNorm = sae.DecoderFree
	// sae's selection codes read the input centred by b_dec, its penalty
	// models as it is; a transcoder's encoder reads it as it is.
	l.setCentred(l.latent != latentReLU && !l.transcoder)
	w := map[string][]float32{"W_enc": l.wEnc, "b_enc": l.bEnc, "W_dec": l.wDec, "b_dec": l.bDec}
	if l.transcoder {
		cfg.Out, cfg.Skip = l.o, l.wSkip != nil
		if l.wSkip != nil {
			w["W_skip"] = l.wSkip
		}
	}
	switch l.latent {
	case latentJumpReLU:
		w["threshold"] = l.threshold
	case latentGated:
		w["r_mag"], w["b_mag"] = l.rMag, l.bMag
	}
	return sae.FromWeights(cfg, l.d, w, nil)
}
