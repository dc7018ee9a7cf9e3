package sae

// The anomaly detector: what Score measures.
//
// A row's anomaly score is how badly autoencoders trained on the data
// reconstruct it. A dictionary (a selection code: topk, batchtopk,
// jumprelu) is a poor judge of that: it gives rare patterns latents of
// their own, and in unlabelled training data the anomalies are such
// patterns, so it reconstructs them well (on the image-embedding sets of
// bench/quality, a topk model's error ranks anomalies 12 to 17 ROC-AUC
// points worse than a dense code's). A model trained for more than
// reconstructing its input as given is not the judge either, whatever its
// code: a classifier's supervised phase trains the encoder for the
// classes, away from the decoder; a denoiser (Config.Noise) is trained to
// undo its corruption, and copies of it would cost more than the recipe's
// members, which were chosen as detectors and train for a fixed budget.
// So the scorers are:
//
//   - for a model with a dense code (kinds none, l1, kl) trained without
//     labels or noise: the model itself and Ensemble-1 more models of the
//     same settings;
//   - for a dictionary, a classifier or a denoiser: Ensemble dense
//     autoencoders of the default recipe (detectorConfig), trained beside
//     it.
//
// (A classifier or denoiser of a dense code saved before it was scored
// this way has no members, or members like itself: it scores with itself
// and them, as it did; Model.selfScored.)
//
// The extra members train on the same source with seeds Seed+1, Seed+2,
// ..., each on at most detectorRows of its rows (a different sample per
// member when there are more). A row's score is the geometric mean of the
// scorers' mean squared reconstruction errors (each in its own scaled
// units): averaging logs keeps one member's scale from drowning the
// others, and the score stays an error.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// detectorRows bounds the rows each extra member trains on: a detector
// needs the data's bulk, not all of a large source.
const detectorRows = 10000

// selfScored reports whether a model of these settings, a classifier or
// not, has its own reconstruction error among its anomaly scorers (a
// dense code trained without labels or noise; see above).
func (c Config) selfScored(classifier bool) bool {
	return c.denseCode() && !classifier && c.Noise == ""
}

// denseCode reports whether the settings' code is dense (kinds none, l1,
// kl), not a dictionary's.
func (c Config) denseCode() bool {
	k := c.kind()
	return k == nil || !k.Traits().Code
}

// trainedBeyond reports whether m was trained for more than reconstructing
// its input as given: a classifier or a denoiser.
func (m *Model) trainedBeyond() bool {
	return m.Classes() > 0 || m.Config.Noise != ""
}

// selfScored reports whether m's own reconstruction error is one of its
// anomaly scorers: Config.selfScored, but for a classifier or denoiser of
// a dense code saved before they were scored by the recipe (its members,
// if any, are like itself).
func (m *Model) selfScored() bool {
	if !m.trainedBeyond() {
		return m.Config.denseCode()
	}
	return m.Config.denseCode() && (len(m.detector) == 0 || m.detector[0].trainedBeyond())
}

// detectorConfig is the configuration of the extra members of the
// detector of a model of settings c (a classifier or not), of seed Seed+i
// (i >= 1): c itself for a self-scored model, else the
// detector's recipe with c's training settings that do not shape the
// model. The recipe is the textbook sparse autoencoder (sigmoid code, KL
// penalty, the defaults' scaling and trimmed loss) trained for a fixed
// budget of about 3000 steps (Decay cosine): on bench/quality's development
// folds, training such a detector to convergence made it learn the
// anomalies in its training rows too.
func (c Config) detectorConfig(i int, classifier bool) Config {
	m := c
	if !c.selfScored(classifier) {
		m = DefaultConfig()
		m.Sparsity, m.Decay = SparsityKL, Cosine
		m.Optimizer, m.Momentum, m.Batch, m.ValSplit, m.Patience = c.Optimizer, c.Momentum, c.Batch, c.ValSplit, c.Patience
		m.Threads, m.Contamination, m.Loss = c.Threads, c.Contamination, c.Loss
		if m.Optimizer == LBFGS {
			m.Optimizer = Adam
		}
	}
	m.Seed = c.Seed + uint64(i)
	m.Ensemble = 1    // a member has no members
	m.Neighbours = -1 // nor samples of its own (neighbours.go)
	return m
}

// Scorers are the models whose reconstruction errors make up Score: the
// model itself (a dense code) and its detector's members; none for a
// transcoder.
func (m *Model) Scorers() []*Model {
	if m.Transcoder() {
		return nil // no anomaly score (transcoder.go)
	}
	var s []*Model
	if m.selfScored() {
		s = append(s, m)
	}
	return append(s, m.detector...)
}

// trainDetector trains the extra members of the detector of a model of
// settings cfg on src (the training source; opt.Labels set: a classifier);
// epochs is Config.Epochs as the caller set it (0: not set), which the
// recipe's members train no longer than.
func trainDetector(ctx context.Context, cfg Config, epochs int, src Source, opt TrainOptions) ([]*Model, error) {
	extra := cfg.Ensemble
	if cfg.Out > 0 {
		return nil, nil // a transcoder scores nothing (transcoder.go)
	}
	classifier := opt.Labels != nil
	self := cfg.selfScored(classifier)
	if self {
		extra--
	}
	var members []*Model
	rows, _ := src.Dims()
	for i := 1; i <= extra; i++ {
		mc := cfg.detectorConfig(i, classifier)
		member := src
		if rows > detectorRows {
			member = sampleRows(src, detectorRows, mc.Seed)
		}
		if epochs > 0 && !self {
			// A short run asked for: the recipe's members no longer.
			n, d := member.Dims()
			mc.Epochs = min(epochs, mc.Resolve(d, n-mc.valRows(n, false)).Epochs)
		}
		mo := TrainOptions{}
		if opt.Progress != nil {
			mo.Progress = func(p Progress) {
				if p.Phase != PhaseFinal {
					p.Phase = detectorPhase(i, extra, p.Phase)
					opt.Progress(p)
				}
			}
		}
		mem, err := Train(ctx, member, mc, mo)
		if err != nil {
			return nil, fmt.Errorf("anomaly detector member %d: %w", i, err)
		}
		members = append(members, mem)
	}
	return members, nil
}

// sampleRows is n rows of src drawn without replacement (in their order
// in src), by a generator of the given seed.
func sampleRows(src Source, n int, seed uint64) Source {
	rows, d := src.Dims()
	return subset(src, drawRows(rand.New(rand.NewPCG(seed, 0xde7ec7)), rows, n), d)
}

// drawRows is n of the positions 0..rows-1 drawn without replacement by
// rng, sorted: the first n steps of a Fisher-Yates shuffle, kept in a map
// of the displaced positions so that a draw from millions of rows costs
// memory in n, not in rows.
func drawRows(rng *rand.Rand, rows, n int) []uint32 {
	moved := make(map[int]uint32, 2*n)
	at := func(i int) uint32 {
		if v, ok := moved[i]; ok {
			return v
		}
		return uint32(i)
	}
	idx := make([]uint32, n)
	for i := range n {
		j := i + rng.IntN(rows-i)
		idx[i] = at(j)
		moved[j] = at(i)
	}
	slices.Sort(idx)
	return idx
}

// combineScores folds the scorers' errors into dst: their geometric mean
// (errors of exactly 0 count as the smallest positive float64).
func combineScores(dst []float64, each [][]float64) {
	for i := range dst {
		var s float64
		for _, e := range each {
			s += math.Log(max(e[i], math.SmallestNonzeroFloat64))
		}
		dst[i] = math.Exp(s / float64(len(each)))
	}
}

// detectorScores is Score over the detector's extra members, combined with
// own, the model's own errors (nil when it does not score itself).
func (m *Model) detectorScores(x Source, own []float64) ([]float64, error) {
	if len(m.detector) == 0 {
		return own, nil
	}
	var each [][]float64
	if own != nil {
		each = append(each, own)
	}
	for _, mem := range m.detector {
		s, err := mem.ownScores(x)
		if err != nil {
			return nil, err
		}
		each = append(each, s)
	}
	n, _ := x.Dims()
	out := make([]float64, n)
	combineScores(out, each)
	return out, nil
}
