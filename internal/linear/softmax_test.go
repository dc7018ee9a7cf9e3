package linear

import (
	"context"
	"flag"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// blobs draws rows around one random centre per class (Gaussian, spread
// sd), with columns of very different scales and offsets so that the
// standardisation matters.
func blobs(rng *rand.Rand, rows, cols, classes int, sd float64) ([]float32, []int) {
	centres := make([]float64, classes*cols)
	for i := range centres {
		centres[i] = rng.NormFloat64()
	}
	scale := make([]float64, cols)
	for j := range scale {
		scale[j] = math.Pow(10, float64(j%5)-2)
	}
	x := make([]float32, rows*cols)
	y := make([]int, rows)
	for i := range y {
		c := rng.IntN(classes)
		y[i] = c
		for j := 0; j < cols; j++ {
			x[i*cols+j] = float32((centres[c*cols+j]+sd*rng.NormFloat64())*scale[j] + float64(j))
		}
	}
	return x, y
}

// TestGradient checks the objective's analytic gradient against central
// finite differences in float64.
func TestGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, cols, classes = 37, 6, 4
	x := make([]float64, rows*cols)
	y := make([]int, rows)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.IntN(classes)
	}
	pr := newProblem(x, rows, cols, y, classes, 0.03)
	p := make([]float64, cols*classes+classes)
	for i := range p {
		p[i] = 0.5 * rng.NormFloat64()
	}
	g := make([]float64, len(p))
	pr.eval(p, g)
	scratch := make([]float64, len(p))
	const h = 1e-6
	worst := 0.0
	for i := range p {
		old := p[i]
		p[i] = old + h
		fp := pr.eval(p, scratch)
		p[i] = old - h
		fm := pr.eval(p, scratch)
		p[i] = old
		num := (fp - fm) / (2 * h)
		rel := math.Abs(num-g[i]) / math.Max(1e-3, math.Abs(num)+math.Abs(g[i]))
		worst = math.Max(worst, rel)
		if rel > 1e-7 {
			t.Errorf("param %d: analytic %.10g, numeric %.10g (rel %.2g)", i, g[i], num, rel)
		}
	}
	t.Logf("worst relative error %.2g", worst)
}

// TestObjective checks the objective and the fitted model's logits against
// a direct computation on the raw rows.
func TestObjective(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const rows, cols, classes = 20, 5, 3
	x, y := blobs(rng, rows, cols, classes, 1)
	const l2 = 0.1
	m, err := FitSoftmax(x, rows, cols, y, classes, Options{L2: l2, MaxIter: 5})
	if err != nil {
		t.Fatal(err)
	}
	logits := m.Logits(x, rows)
	loss := 0.0
	for i := 0; i < rows; i++ {
		z := make([]float64, classes)
		sum := 0.0
		for c := range z {
			z[c] = float64(m.B[c])
			for j := 0; j < cols; j++ {
				z[c] += (float64(x[i*cols+j]) - float64(m.Mean[j])) / float64(m.Std[j]) * float64(m.W[j*classes+c])
			}
			if d := math.Abs(z[c] - float64(logits[i*classes+c])); d > 1e-4*math.Max(1, math.Abs(z[c])) {
				t.Errorf("row %d class %d: logit %g, direct %g", i, c, logits[i*classes+c], z[c])
			}
			sum += math.Exp(z[c])
		}
		loss += (math.Log(sum) - z[y[i]]) / rows
	}
	for _, w := range m.W {
		loss += l2 / 2 * float64(w) * float64(w)
	}
	if math.Abs(loss-m.Loss) > 1e-5*loss {
		t.Errorf("Loss %.8g, direct computation %.8g", m.Loss, loss)
	}
}

func TestSeparable(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const rows, cols, classes = 600, 10, 5
	x, y := blobs(rng, rows, cols, classes, 0.05)
	m, err := FitSoftmax(x, rows, cols, y, classes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if acc := Accuracy(m.Predict(x, rows), y); acc != 1 {
		t.Errorf("training accuracy %.4f on separable blobs, want 1", acc)
	}
	xt, yt := blobs(rand.New(rand.NewPCG(5, 6)), rows, cols, classes, 0.05)
	if acc := Accuracy(m.Predict(xt, rows), yt); acc != 1 {
		t.Errorf("accuracy %.4f on fresh rows from the same blobs, want 1", acc)
	}
	if !m.Converged {
		t.Errorf("not converged after %d iterations (loss %g)", m.Iter, m.Loss)
	}
}

// TestNoisy checks convergence on an overlapping problem: with a tight Tol
// the gradient is driven below GradTol (or to float32 precision), and the
// optimum is the same from a cold and a warm start.
func TestNoisy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const rows, cols, classes = 2000, 20, 4
	x, y := blobs(rng, rows, cols, classes, 3)
	m, err := FitSoftmax(x, rows, cols, y, classes, Options{L2: 1e-3, Tol: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d iterations, loss %.10g", m.Iter, m.Loss)
	if !m.Converged {
		t.Fatalf("not converged after %d iterations", m.Iter)
	}
	acc := Accuracy(m.Predict(x, rows), y)
	if acc < 0.6 || acc == 1 {
		t.Errorf("training accuracy %.3f on overlapping blobs, want in [0.6, 1)", acc)
	}
	m2, err := FitSoftmax(x, rows, cols, y, classes, Options{L2: 1e-3, Tol: 1e-8, Init: m})
	if err != nil {
		t.Fatal(err)
	}
	if m2.Iter > stopWindow+5 || math.Abs(m2.Loss-m.Loss) > 1e-6*m.Loss {
		t.Errorf("warm start from the optimum: %d iterations, loss %.8g vs %.8g", m2.Iter, m2.Loss, m.Loss)
	}
}

func TestBadLabels(t *testing.T) {
	x := []float32{0, 1, 2, 3, 4, 5}
	for _, tc := range []struct {
		labels  []int
		classes int
		want    string
	}{
		{[]int{0, 1, -1}, 2, "label -1 of row 2"},
		{[]int{0, 2, 1}, 2, "label 2 of row 1"},
		{[]int{0, 1}, 2, "2 labels for 3 rows"},
		{[]int{0, 0, 0}, 0, "at least one class"},
	} {
		_, err := FitSoftmax(x, 3, 2, tc.labels, tc.classes, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("labels %v, %d classes: error %v, want one containing %q", tc.labels, tc.classes, err, tc.want)
		}
		_, err = SelectL2(context.Background(), x, 3, 2, tc.labels, tc.classes, nil, 0.3, 1, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SelectL2: labels %v: error %v, want one containing %q", tc.labels, err, tc.want)
		}
	}
	x[3] = float32(math.NaN())
	if _, err := FitSoftmax(x, 3, 2, []int{0, 1, 0}, 2, Options{}); err == nil || !strings.Contains(err.Error(), "row 1, column 1") {
		t.Errorf("NaN input: error %v, want one naming row 1, column 1", err)
	}
}

func TestConstantColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const rows, cols, classes = 300, 4, 3
	x, y := blobs(rng, rows, cols, classes, 0.1)
	for i := 0; i < rows; i++ {
		x[i*cols+2] = 7
	}
	m, err := FitSoftmax(x, rows, cols, y, classes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Std[2] != 1 {
		t.Errorf("constant column: Std %g, want 1", m.Std[2])
	}
	if acc := Accuracy(m.Predict(x, rows), y); acc < 0.99 {
		t.Errorf("accuracy %.3f with a constant column", acc)
	}
}

func TestSelectL2(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	// Few rows, many noisy features: heavy regularisation should win.
	const rows, cols, classes = 120, 60, 3
	x, y := blobs(rng, rows, cols, classes, 4)
	sel, err := SelectL2(context.Background(), x, rows, cols, y, classes, []float64{1e-5, 1, 1e-2}, 0.25, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Grid[0] != 1 || sel.Grid[2] != 1e-5 || sel.ValRows != 30 || sel.TrainRows != 90 {
		t.Errorf("grid %v, split %d/%d", sel.Grid, sel.TrainRows, sel.ValRows)
	}
	if sel.L2 == 1e-5 {
		t.Errorf("picked the weakest L2 on a small noisy problem: %v -> %v", sel.Grid, sel.ValAccuracy)
	}
	t.Logf("grid %v: validation accuracy %v", sel.Grid, sel.ValAccuracy)
}

// TestLarge times a fit of Fashion-MNIST's size with 1024 features; only
// with -run Large -large, it takes a while.
func TestLarge(t *testing.T) {
	if !*large {
		t.Skip("run with -large")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	const rows, cols, classes = 60000, 1024, 10
	x, y := blobs(rng, rows, cols, classes, 25)
	start := time.Now()
	m, err := FitSoftmax(x, rows, cols, y, classes, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d x %d, %d classes: %d iterations in %v, converged %v, loss %.6g, accuracy %.4f",
		rows, cols, classes, m.Iter, time.Since(start), m.Converged, m.Loss, Accuracy(m.Predict(x, rows), y))
}

var large = flag.Bool("large", false, "run the Fashion-MNIST-sized timing test")
