package sae

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/optim"
)

// Stacked pre-training and supervised fine-tuning on rows whose class
// decides which features they hold; the model predicts the classes, and
// survives a save and load.
func TestStackedWithLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 3))
	const n, d, classes = 1500, 24, 3
	x := NewMatrix(n, d)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		c := rng.IntN(classes)
		labels[i] = c
		for j := 0; j < d; j++ {
			v := 0.1 * rng.Float64()
			if j%classes == c {
				v += 0.5 + 0.4*rng.Float64()
			}
			x.Row(i)[j] = float32(v)
		}
	}
	cfg := DefaultConfig()
	cfg.Layers = []int{12, 6}
	cfg.Stacked = true
	cfg.Activation = ReLU
	cfg.Sparsity = SparsityL1
	cfg.Epochs = 5
	cfg.SupervisedEpochs = 10
	cfg.LR = 0.01
	m, err := Train(context.Background(), x, cfg, TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	h := m.History
	if len(h.Pretrain) != 2 {
		t.Fatalf("%d pre-training histories, want 2", len(h.Pretrain))
	}
	if h.FinetuneFrom < 0 || h.SupervisedFrom <= h.FinetuneFrom {
		t.Errorf("phases: finetune from %d, supervised from %d", h.FinetuneFrom, h.SupervisedFrom)
	}
	// FinetuneEpochs -1: pre-training, then the supervised phase.
	none := cfg
	none.FinetuneEpochs = -1
	mn, err := Train(context.Background(), x, none, TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if hn := mn.History; hn.FinetuneFrom != -1 || hn.SupervisedFrom != 0 {
		t.Errorf("FinetuneEpochs -1: finetune from %d, supervised from %d; want no fine-tuning", hn.FinetuneFrom, hn.SupervisedFrom)
	}
	checkClassifierScorers(t, m, x, mn)
	p, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := 0; i < n; i++ {
		row := p.Row(i)
		var s float32
		for _, v := range row {
			s += v
		}
		if math.Abs(float64(s-1)) > 1e-4 {
			t.Fatalf("row %d probabilities add up to %g", i, s)
		}
		if nn.Argmax(row) == labels[i] {
			correct++
		}
	}
	if acc := float64(correct) / n; acc < 0.95 {
		t.Errorf("accuracy %.3f on an easy problem", acc)
	}
	dir := t.TempDir() + "/stacked"
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkClassifierScorers(t, m2, x, mn) // the members load as autoencoders
	p2, _ := m2.Predict(x)
	for i := range p.Data {
		if p.Data[i] != p2.Data[i] {
			t.Fatalf("prediction %d differs after load", i)
		}
	}
	plain, _ := trainSmall(t, nil)
	if _, err := plain.Predict(x); err == nil {
		t.Error("a model without labels predicted")
	}
}

// checkClassifierScorers checks that the classifier m is scored by the
// recipe's three dense autoencoders beside it, not by its own
// reconstruction (which its supervised phase spoils), and that a dense
// classifier saved before that (no members, or classifiers as members:
// other, a classifier) still scores with itself and them.
func checkClassifierScorers(t *testing.T, m *Model, x Matrix, other *Model) {
	t.Helper()
	sc := m.Scorers()
	if len(sc) != 3 {
		t.Fatalf("a classifier has %d scorers, want the recipe's 3", len(sc))
	}
	var each [][]float64
	for i, s := range sc {
		if s == m || s.Classes() > 0 || s.Config.Sparsity != SparsityKL || s.Config.Activation != Sigmoid {
			t.Errorf("scorer %d of a classifier: itself %v, %d classes, %s/%s; want a sigmoid/kl autoencoder beside it", i, s == m, s.Classes(), s.Config.Activation, s.Config.Sparsity)
		}
		e, err := s.ownScores(x)
		if err != nil {
			t.Fatal(err)
		}
		each = append(each, e)
	}
	want := make([]float64, x.Rows)
	combineScores(want, each)
	if err := m.withNeighbours(x, want, false); err != nil { // neighbours_test.go checks this part
		t.Fatal(err)
	}
	got, err := m.Score(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d scored %g, want %g: the members' geometric mean (with the neighbour distance)", i, got[i], want[i])
		}
	}
	members := m.detector
	defer func() { m.detector = members }()
	m.detector = nil
	if sc := m.Scorers(); len(sc) != 1 || sc[0] != m {
		t.Errorf("a dense classifier saved without members has %d scorers; want itself", len(sc))
	}
	m.detector = []*Model{other}
	if sc := m.Scorers(); len(sc) != 2 || sc[0] != m || sc[1] != other {
		t.Errorf("a dense classifier saved with a classifier as member has %d scorers; want itself and it", len(sc))
	}
}

// The supervised phase of a pre-trained network decays its weights towards
// where pre-training left them, not towards zero: the decoder, which the
// labels do not train, ends exactly as pre-training left it, where plain
// decay would have shrunk it; the encoder moves, and the head is trained.
func TestStackedSupervisedDecaysTowardsPretraining(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, d, classes = 600, 12, 3
	x := NewMatrix(n, d)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(classes)
		for j := 0; j < d; j++ {
			x.Row(i)[j] = float32(0.2*rng.Float64() + 0.6*float64(btoi(j%classes == labels[i])))
		}
	}
	cfg := DefaultConfig()
	cfg.Layers, cfg.Stacked, cfg.Epochs, cfg.FinetuneEpochs, cfg.SupervisedEpochs, cfg.LR = []int{8, 4}, true, 3, -1, 100, 0.01
	cfg.WeightDecay = 0.01 // plain decay takes the decoder to zero here
	cfg.KeepPretrained = true
	pre, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clf, err := Train(context.Background(), x, cfg, TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	for _, seg := range pre.net.Segments() {
		a := pre.net.Params[seg.Off : seg.Off+seg.Size()]
		b := clf.net.Params[seg.Off : seg.Off+seg.Size()]
		var diff, norm float64
		for i := range a {
			e := float64(b[i] - a[i])
			diff += e * e
			norm += float64(a[i]) * float64(a[i])
		}
		rel := math.Sqrt(diff / norm)
		t.Logf("%s: moved %.3g (relative)", seg.Name, rel)
		switch {
		case strings.HasPrefix(seg.Name, "W_dec") && !(rel < 0.01):
			t.Errorf("%s moved %.3g (relative) in the supervised phase: its decay is not anchored at the pre-trained weights", seg.Name, rel)
		case strings.HasPrefix(seg.Name, "W_enc") && !(rel > 0.01):
			t.Errorf("%s moved %.3g (relative) in the supervised phase: the labels did not train it", seg.Name, rel)
		}
	}
	if acc := clf.History.Accuracy; acc < 0.9 {
		t.Errorf("training accuracy %.3f on an easy problem", acc)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// anchorTowards turns Adam's decay wd*W on the anchored spans into
// wd*(W - anchor), leaves the other entries of the gradient alone, and
// returns wd/2 of the squared distance to the anchor plus wd/2 of the
// head's squared weights.
func TestAnchorTowards(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, wd = 40, 0.3
	params, grad, anchor := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range params {
		params[i], grad[i], anchor[i] = rng.Float32()-0.5, rng.Float32()-0.5, rng.Float32()-0.5
	}
	before := append([]float32(nil), grad...)
	spans := []optim.Span{{Lo: 2, Hi: 10}, {Lo: 15, Hi: 25}}
	head := optim.Span{Lo: 30, Hi: 36}
	got := anchorTowards(params, grad, anchor, make([]float32, n), spans, head, wd)
	var want float64
	in := func(i int) bool { return (i >= 2 && i < 10) || (i >= 15 && i < 25) }
	for i := range params {
		w, a := float64(params[i]), float64(anchor[i])
		switch {
		case in(i):
			want += 0.5 * wd * (w - a) * (w - a)
			// What Adam then adds, wd*W, makes the decay wd*(W - anchor).
			if e := float64(grad[i]) + wd*w - (float64(before[i]) + wd*(w-a)); math.Abs(e) > 1e-6 {
				t.Errorf("entry %d: decayed gradient off by %g", i, e)
			}
		case i >= head.Lo && i < head.Hi:
			want += 0.5 * wd * w * w
			fallthrough
		default:
			if grad[i] != before[i] {
				t.Errorf("entry %d outside the anchored spans changed: %g -> %g", i, before[i], grad[i])
			}
		}
	}
	if math.Abs(got-want) > 1e-9*want {
		t.Errorf("decay term %.12g, want %.12g", got, want)
	}
}

// The supervised phase keeps the weights of its lowest validation loss
// among the epochs that classify the validation rows better than giving
// each the most common class: on a few dozen validation rows the
// cross-entropy is lowest in the first epochs, while the classifier still
// gives every row the majority class.
func TestSupervisedKeepsBestBeyondThePrior(t *testing.T) {
	x := sparseData(200, 6, 5, 2, 3)
	cfg := DefaultConfig().Resolve(6, 150)
	cfg.Hidden, cfg.ValSplit, cfg.Patience = 4, 0.25, 100
	tr := newTrainer(x, nil, cfg, TrainOptions{})
	if err := tr.prepare(); err != nil {
		t.Fatal(err)
	}
	var acc float64
	ph := &phase{id: phaseSupervised, epochs: 10, unit: 1, accuracy: &acc, prior: 0.64}
	for i, e := range []struct {
		acc, loss float64
		best      int // the best epoch after it
	}{
		{0.64, 0.66, 1}, // the majority class everywhere: kept while nothing beats it
		{0.60, 0.62, 2}, // still no better than the prior: the lower loss
		{0.84, 0.75, 3}, // beats the prior, at a higher loss
		{0.90, 0.78, 3}, // a better accuracy alone does not count
		{0.70, 0.70, 5}, // beats the prior at a lower loss
		{0.64, 0.50, 5}, // a lower loss at the prior does not
	} {
		ph.validate = func() (float64, error) { acc = e.acc; return e.loss, nil }
		for j := range tr.net.Params {
			tr.net.Params[j] = float32(i)
		}
		if _, err := tr.endEpoch(ph, i+1, 0, 1); err != nil {
			t.Fatal(err)
		}
		if tr.hist.BestEpoch != e.best || tr.best[0] != float32(e.best-1) {
			t.Fatalf("epoch %d (accuracy %g, loss %g): best epoch %d, weights of epoch %g; want %d",
				i+1, e.acc, e.loss, tr.hist.BestEpoch, tr.best[0]+1, e.best)
		}
	}
}

// beats orders two classifiers' best epochs: one that classifies the
// validation rows better than the most common class first, then the lower
// loss by a share tol.
func TestBeats(t *testing.T) {
	const prior = 0.6
	cases := []struct {
		val, acc, bestVal, bestAcc, tol float64
		want                            bool
	}{
		{0.5, 0.8, 0.6, 0.8, 0, true},       // lower loss, both above the prior
		{0.6, 0.8, 0.5, 0.8, 0, false},      // higher loss
		{0.5, 0.8, 0.5, 0.8, 0, false},      // a tie keeps the best
		{0.9, 0.7, 0.3, 0.6, 0, true},       // above the prior beats a lower loss at it
		{0.3, 0.6, 0.9, 0.7, 0, false},      // at the prior loses to above it
		{0.3, 0.5, 0.4, 0.55, 0, true},      // both below: the loss decides
		{0.499, 0.8, 0.5, 0.8, 0.01, false}, // lower, but not by the tolerance
		{0.49, 0.8, 0.5, 0.8, 0.01, true},   // lower by more than it
	}
	for _, c := range cases {
		if got := beats(c.val, c.acc, c.bestVal, c.bestAcc, prior, c.tol); got != c.want {
			t.Errorf("beats(%g, %g, %g, %g, prior %g, tol %g) = %v, want %v", c.val, c.acc, c.bestVal, c.bestAcc, prior, c.tol, got, c.want)
		}
	}
}

// A stacked classifier also trains its widths from random initialisation
// and keeps the start whose best epoch validates better: the weights kept
// give the validation rows the cross-entropy recorded for that start, a
// kept pre-trained network is the one KeepPretrained trains, a kept
// network from scratch is the one Epochs -1 trains (the same start and
// generator), and the other start's loss is no lower. KeepPretrained, or
// no validation rows, trains one.
func TestStackedKeepsTheBetterStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	const n, nv, d = 400, 100, 10
	x, xv := NewMatrix(n, d), NewMatrix(nv, d)
	labels, vl := make([]int, n), make([]int, nv)
	for i := range n + nv {
		row, y := x.Row(min(i, n-1)), &labels[min(i, n-1)]
		if i >= n {
			row, y = xv.Row(i-n), &vl[i-n]
		}
		var s float64
		for j := range row {
			v := rng.NormFloat64()
			row[j] = float32(v)
			if j < 3 {
				s += v
			}
		}
		*y = btoi(s+0.5*rng.NormFloat64() > 0)
	}
	cfg := DefaultConfig()
	cfg.Layers, cfg.Stacked, cfg.Epochs, cfg.SupervisedEpochs, cfg.Ensemble, cfg.Neighbours = []int{6, 3}, true, 20, 60, 1, -1
	cfg.Decay = Plateau // as Epochs -1 resolves it
	opt := TrainOptions{Val: xv, Labels: labels, ValLabels: vl}
	m, err := Train(context.Background(), x, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	h := m.History
	if len(h.StartValLoss) != 2 || h.ScratchFrom <= h.SupervisedFrom {
		t.Fatalf("start losses %v, scratch from epoch %d, supervised from %d: the network from scratch did not train", h.StartValLoss, h.ScratchFrom, h.SupervisedFrom)
	}
	if last := h.Stops[len(h.Stops)-1].Phase; last != PhaseScratch {
		t.Errorf("the last phase is %q, want %q", last, PhaseScratch)
	}
	p, err := m.Predict(xv)
	if err != nil {
		t.Fatal(err)
	}
	var ce float64
	for i, l := range vl {
		ce -= math.Log(math.Max(float64(p.Row(i)[l]), 1e-30))
	}
	ce /= nv
	kept, other := h.StartValLoss[0], h.StartValLoss[1]
	keep := cfg
	keep.KeepPretrained = true
	mk, err := Train(context.Background(), x, keep, opt)
	if err != nil {
		t.Fatal(err)
	}
	scratch := cfg
	scratch.Stacked, scratch.Epochs = false, -1
	ms, err := Train(context.Background(), x, scratch, opt)
	if err != nil {
		t.Fatal(err)
	}
	if hs := ms.History; hs.ValLoss[hs.BestEpoch-1] != h.StartValLoss[1] {
		t.Errorf("the start from scratch validated at %.6f; Epochs -1 trains a network of %.6f", h.StartValLoss[1], hs.ValLoss[hs.BestEpoch-1])
	}
	if hk := mk.History; hk.ValLoss[hk.BestEpoch-1] != h.StartValLoss[0] {
		t.Errorf("the pre-trained start validated at %.6f; KeepPretrained trains a network of %.6f", h.StartValLoss[0], hk.ValLoss[hk.BestEpoch-1])
	}
	same := mk
	switch h.SupervisedStart {
	case "pretrained":
	case "scratch":
		kept, other, same = other, kept, ms
	default:
		t.Fatalf("supervised start %q", h.SupervisedStart)
	}
	for i := range m.net.Params {
		if m.net.Params[i] != same.net.Params[i] {
			t.Fatalf("kept the %s start, but weight %d is %g, where that run alone trains %g", h.SupervisedStart, i, m.net.Params[i], same.net.Params[i])
		}
	}
	t.Logf("kept %s: validation cross-entropy %.5f (recomputed %.5f), the other start %.5f", h.SupervisedStart, kept, ce, other)
	if math.Abs(ce-kept) > 1e-4*math.Max(1, kept) {
		t.Errorf("the kept weights' validation cross-entropy is %.6f; the %s start's best was %.6f", ce, h.SupervisedStart, kept)
	}
	if h.SupervisedStart == "scratch" && !(kept < other) {
		t.Errorf("kept the start from scratch at %.6f over the pre-trained one's %.6f", kept, other)
	}
	if hk := mk.History; hk.SupervisedStart != "" || hk.StartValLoss != nil || hk.ScratchFrom != 0 {
		t.Errorf("KeepPretrained: start %q, losses %v, scratch from %d; want the pre-trained network alone", hk.SupervisedStart, hk.StartValLoss, hk.ScratchFrom)
	}
	noVal := cfg
	noVal.ValSplit = 0
	mn, err := Train(context.Background(), x, noVal, TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if mn.History.SupervisedStart != "" {
		t.Errorf("without validation rows the start %q was chosen", mn.History.SupervisedStart)
	}
}

// A stacked classifier's default widths: overcomplete on a narrow table, no
// layer narrower than the classes; a stacked autoencoder without labels
// keeps the one-layer width and half of it.
func TestStackedDefaultWidths(t *testing.T) {
	for _, tc := range []struct {
		d, classes int
		want       []int
	}{
		{16, 0, []int{8, 4}},       // no labels: d/2, d/4
		{16, 2, []int{32, 16}},     // a classifier of a narrow table: 2d, d
		{16, 26, []int{32, 26}},    // ... its second layer no narrower than the classes
		{4, 3, []int{8, 4}},        //
		{100, 10, []int{50, 25}},   // 64 columns or more: d/2, d/4
		{100, 40, []int{50, 40}},   // ... no narrower than the classes
		{784, 10, []int{392, 196}}, //
	} {
		if got := stackedLayers(tc.d, tc.classes); !slices.Equal(got, tc.want) {
			t.Errorf("stackedLayers(%d, %d) = %v, want %v", tc.d, tc.classes, got, tc.want)
		}
	}
	// Train passes the labels' classes (the largest label + 1, over the
	// validation labels too); the widths are stored in the model.
	rng := rand.New(rand.NewPCG(5, 9))
	const n, d = 120, 6
	x := NewMatrix(n, d)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 4
		for j := range d {
			x.Row(i)[j] = float32(labels[i]) + float32(rng.NormFloat64())
		}
	}
	labels[0] = 13 // 14 classes
	cfg := DefaultConfig()
	cfg.Stacked, cfg.Epochs, cfg.SupervisedEpochs, cfg.Ensemble = true, 2, 2, 1
	m, err := Train(context.Background(), x, cfg, TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{14, 14}; !slices.Equal(m.Config.Layers, want) {
		t.Errorf("a classifier of %d columns and 14 classes has layers %v, want %v", d, m.Config.Layers, want)
	}
	u, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{3, 2}; !slices.Equal(u.Config.Layers, want) {
		t.Errorf("a stacked autoencoder of %d columns has layers %v, want %v", d, u.Config.Layers, want)
	}
}
