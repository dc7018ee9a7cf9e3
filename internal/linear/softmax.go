// Package linear fits linear classifiers on feature matrices: multinomial
// logistic regression (softmax regression) with L2 regularisation, the
// "linear probe" that measures how much class information a representation
// exposes to a linear read-out.
//
// Matrices are row-major float32 slices, rows x cols, as everywhere in sae.
// The products run on internal/kernels' GEMM.
package linear

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/sae-go/sae/internal/kernels"
)

// Options configures FitSoftmax. A zero field takes its default.
type Options struct {
	// L2 is lambda in the objective
	//   mean_i -log p(y_i | x_i) + lambda/2 * ||W||^2
	// where W are the weights on standardised features (the biases are not
	// penalised). Because the loss is a mean over rows and every feature
	// has unit variance, one lambda means the same thing for any data size
	// and any feature scale. Default 1e-4: light enough that tens of
	// thousands of rows are fitted closely, heavy enough to keep the
	// problem well conditioned. SelectL2 picks it on held-out rows. There
	// is no unregularised fit (0 means the default): use a tiny value.
	L2 float64
	// MaxIter bounds the L-BFGS iterations. Default 500.
	MaxIter int
	// Tol stops the fit when the objective has decreased by less than
	// Tol times its value over the last 10 iterations. Default 1e-4: on
	// Fashion-MNIST's pixels, test accuracy moves by less than 0.1 points
	// after that (see bench/probe_fashion.sh).
	Tol float64
	// GradTol stops the fit when the largest absolute gradient entry falls
	// below it. Default 1e-6.
	GradTol float64
	// Threads is the number of cores the GEMM kernels use; 0 leaves the
	// kernels' process-wide setting alone (all cores unless set).
	Threads int
	// Init, if not nil, warm-starts the fit from these weights and biases
	// (same features and classes; its standardisation is not reused).
	Init *Softmax
}

// DefaultL2 and DefaultTol are Options.L2's and Options.Tol's defaults.
const (
	DefaultL2  = 1e-4
	DefaultTol = 1e-4
)

func (o Options) withDefaults() Options {
	if o.L2 == 0 {
		o.L2 = DefaultL2
	}
	if o.MaxIter == 0 {
		o.MaxIter = 500
	}
	if o.Tol == 0 {
		o.Tol = DefaultTol
	}
	if o.GradTol == 0 {
		o.GradTol = 1e-6
	}
	return o
}

// Softmax is a fitted multinomial logistic regression:
//
//	p(c | x) = softmax_c( sum_j (x_j - Mean_j)/Std_j * W[j*Classes+c] + B_c )
type Softmax struct {
	Features, Classes int
	// Mean and Std standardise each feature column; they are fitted on
	// the training rows (a constant column gets Std 1).
	Mean, Std []float32
	// W is Features x Classes, row-major; B has Classes entries.
	W, B []float32
	// L2 is the regularisation the model was fitted with.
	L2 float64
	// Loss is the final objective (mean cross-entropy + L2 term), Iter
	// the L-BFGS iterations run, Converged whether Tol or GradTol was met
	// (or the objective stopped improving at float32 precision) before
	// MaxIter.
	Loss      float64
	Iter      int
	Converged bool
}

// FitSoftmax fits a softmax regression to x (rows x cols, row-major) and
// labels in [0, classes). It standardises the columns of x on these rows
// (into a copy: x is not modified, and the fit holds x's size again), then
// minimises the regularised mean cross-entropy with full-batch L-BFGS,
// preconditioned by the features' second moments (see precond.go).
// Bad labels (wrong count, out of range) and non-finite values return an
// error; len(x) != rows*cols panics.
func FitSoftmax(x []float32, rows, cols int, labels []int, classes int, opt Options) (*Softmax, error) {
	return FitSoftmaxContext(context.Background(), x, rows, cols, labels, classes, opt)
}

// FitSoftmaxContext is FitSoftmax that stops with ctx.Err() when ctx is done.
func FitSoftmaxContext(ctx context.Context, x []float32, rows, cols int, labels []int, classes int, opt Options) (*Softmax, error) {
	if rows < 0 || cols < 0 || len(x) != rows*cols {
		panic(fmt.Sprintf("linear: x has %d values, want rows*cols = %d*%d", len(x), rows, cols))
	}
	if err := checkLabels(labels, rows, classes); err != nil {
		return nil, err
	}
	if rows == 0 {
		return nil, errors.New("linear: no training rows")
	}
	opt, err := checkOptions(opt, cols, classes)
	if err != nil {
		return nil, err
	}
	if err := checkFinite(x, cols); err != nil {
		return nil, err
	}
	mean, std := standardise(x, rows, cols)
	xs := make([]float32, len(x))
	applyStandard(xs, x, mean, std)
	return fit(ctx, xs, rows, cols, labels, classes, mean, std, opt)
}

// fit minimises the objective on xs, the rows already standardised by
// mean and std (which the model keeps); opt has its defaults.
func fit(ctx context.Context, xs []float32, rows, cols int, labels []int, classes int, mean, std []float32, opt Options) (*Softmax, error) {
	pr := newProblem(xs, rows, cols, labels, classes, opt.L2)
	p := make([]float64, cols*classes+classes)
	if opt.Init != nil {
		for i, v := range opt.Init.W {
			p[i] = float64(v)
		}
		for c, v := range opt.Init.B {
			p[cols*classes+c] = float64(v)
		}
	}
	var m func(dst, src []float64)
	if pc := newPrecond(xs, rows, cols, classes, opt.L2/precondCurvature); pc != nil {
		m = pc.apply
	}
	res, err := minimize(ctx, pr.eval, m, p, opt.MaxIter, stopRule{grad: opt.GradTol, rel: opt.Tol})
	if err != nil {
		return nil, err
	}
	s := &Softmax{
		Features: cols, Classes: classes, Mean: mean, Std: std,
		W: make([]float32, cols*classes), B: make([]float32, classes),
		L2: opt.L2, Loss: res.f, Iter: res.iter, Converged: res.converged,
	}
	for i := range s.W {
		s.W[i] = float32(p[i])
	}
	for c := range s.B {
		s.B[c] = float32(p[cols*classes+c])
	}
	return s, nil
}

// checkOptions fills in opt's defaults and validates it; it applies Threads.
func checkOptions(opt Options, cols, classes int) (Options, error) {
	opt = opt.withDefaults()
	if opt.L2 < 0 || math.IsNaN(opt.L2) || math.IsInf(opt.L2, 0) {
		return opt, fmt.Errorf("linear: L2 must be finite and >= 0, got %g", opt.L2)
	}
	if opt.MaxIter < 0 || !(opt.Tol > 0) {
		return opt, fmt.Errorf("linear: MaxIter must be >= 0 and Tol > 0, got %d and %g", opt.MaxIter, opt.Tol)
	}
	if opt.Init != nil && (opt.Init.Features != cols || opt.Init.Classes != classes) {
		return opt, fmt.Errorf("linear: Init has %d features x %d classes, want %d x %d",
			opt.Init.Features, opt.Init.Classes, cols, classes)
	}
	if opt.Threads > 0 {
		kernels.SetThreads(opt.Threads)
	}
	return opt, nil
}

func checkLabels(labels []int, rows, classes int) error {
	if classes < 1 {
		return fmt.Errorf("linear: need at least one class, got %d", classes)
	}
	if len(labels) != rows {
		return fmt.Errorf("linear: %d labels for %d rows", len(labels), rows)
	}
	for i, l := range labels {
		if l < 0 || l >= classes {
			return fmt.Errorf("linear: label %d of row %d is outside [0, %d)", l, i, classes)
		}
	}
	return nil
}

// standardise returns each column's mean and standard deviation over the
// rows (two passes, float64 sums). A column whose spread is negligible next
// to its magnitude is constant: its Std is 1, so it only shifts the bias.
func standardise(x []float32, rows, cols int) (mean, std []float32) {
	m := make([]float64, cols)
	for i := 0; i < rows; i++ {
		for j, v := range x[i*cols : (i+1)*cols] {
			m[j] += float64(v)
		}
	}
	for j := range m {
		m[j] /= float64(rows)
	}
	v := make([]float64, cols)
	for i := 0; i < rows; i++ {
		for j, x := range x[i*cols : (i+1)*cols] {
			d := float64(x) - m[j]
			v[j] += d * d
		}
	}
	mean, std = make([]float32, cols), make([]float32, cols)
	for j := range m {
		sd := math.Sqrt(v[j] / float64(rows))
		mean[j] = float32(m[j])
		std[j] = 1
		if sd > 1e-6*math.Max(1, math.Abs(m[j])) {
			std[j] = float32(sd)
		}
	}
	return mean, std
}

// checkFinite rejects NaN and Inf, naming the first one's row and column.
func checkFinite(x []float32, cols int) error {
	for k, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("linear: non-finite value %g at row %d, column %d", f, k/cols, k%cols)
		}
	}
	return nil
}

// applyStandard writes (src - mean) / std, column by column, into dst
// (same length, a whole number of rows; may alias src).
func applyStandard(dst, src []float32, mean, std []float32) {
	cols := len(mean)
	for i := 0; i+cols <= len(src); i += cols {
		for j := 0; j < cols; j++ {
			dst[i+j] = (src[i+j] - mean[j]) / std[j]
		}
	}
}

// problem is one fit's objective over the parameters p = [W ; b] (W is
// cols x classes row-major, then classes biases): data and products in
// precision T, parameters and sums in float64. x holds standardised rows.
type problem[T kernels.Float] struct {
	x                   []T // rows x cols
	rows, cols, classes int
	labels              []int
	l2                  float64
	w, gw               []T // cols x classes
	z                   []T // rows x classes: logits, then dLoss/dz
}

func newProblem[T kernels.Float](x []T, rows, cols int, labels []int, classes int, l2 float64) *problem[T] {
	return &problem[T]{
		x: x, rows: rows, cols: cols, classes: classes, labels: labels, l2: l2,
		w: make([]T, cols*classes), gw: make([]T, cols*classes), z: make([]T, rows*classes),
	}
}

// eval returns the objective at p,
//
//	f = mean_i [ logsumexp(z_i) - z_i[y_i] ] + l2/2 ||W||^2,   z = x W + b,
//
// and writes its gradient to g.
func (pr *problem[T]) eval(p, g []float64) float64 {
	n, d, C := pr.rows, pr.cols, pr.classes
	nw := d * C
	b := p[nw:]
	for i, v := range p[:nw] {
		pr.w[i] = T(v)
	}
	// Forward: z [n, C] = x [n, d] · W [d, C]   (b is added per row below)
	kernels.Gemm(false, false, n, C, d, 1, pr.x, d, pr.w, C, 0, pr.z, C)
	// Cross-entropy per row; z becomes dLoss/dz = (softmax(z+b) - onehot(y)) / n.
	loss := 0.0
	invN := 1 / float64(n)
	for i := 0; i < n; i++ {
		zi := pr.z[i*C : (i+1)*C]
		m := math.Inf(-1)
		for c, v := range zi {
			m = math.Max(m, float64(v)+b[c])
		}
		sum := 0.0
		for c, v := range zi {
			sum += math.Exp(float64(v) + b[c] - m)
		}
		y := pr.labels[i]
		loss += m + math.Log(sum) - (float64(zi[y]) + b[y])
		for c, v := range zi {
			pc := math.Exp(float64(v)+b[c]-m) / sum
			if c == y {
				pc--
			}
			zi[c] = T(pc * invN)
		}
	}
	// Backward: gW [d, C] = x^T [d, n] · dz [n, C] + l2 W;  gb = column sums of dz.
	kernels.Gemm(true, false, d, C, n, 1, pr.x, d, pr.z, C, 0, pr.gw, C)
	gb := g[nw:]
	clear(gb)
	for i := 0; i < n; i++ {
		for c, v := range pr.z[i*C : (i+1)*C] {
			gb[c] += float64(v)
		}
	}
	reg := 0.0
	for i, w := range p[:nw] {
		g[i] = float64(pr.gw[i]) + pr.l2*w
		reg += w * w
	}
	return loss*invN + 0.5*pr.l2*reg
}

// Predict returns the most probable class of each of the rows of x
// (rows x Features, row-major). Wrong shapes panic.
func (s *Softmax) Predict(x []float32, rows int) []int {
	z := s.Logits(x, rows)
	C := s.Classes
	pred := make([]int, rows)
	for i := range pred {
		zi := z[i*C : (i+1)*C]
		best := 0
		for c, v := range zi {
			if v > zi[best] {
				best = c
			}
		}
		pred[i] = best
	}
	return pred
}

// Logits returns the rows x Classes scores (unnormalised log
// probabilities) of the rows of x. Wrong shapes panic.
func (s *Softmax) Logits(x []float32, rows int) []float32 {
	d, C := s.Features, s.Classes
	if rows < 0 || len(x) != rows*d {
		panic(fmt.Sprintf("linear: x has %d values, want rows*Features = %d*%d", len(x), rows, d))
	}
	z := make([]float32, rows*C)
	// Standardise a block of rows at a time: memory stays bounded.
	const block = 4096
	xs := make([]float32, min(rows, block)*d)
	for lo := 0; lo < rows; lo += block {
		hi := min(lo+block, rows)
		xb := xs[:(hi-lo)*d]
		applyStandard(xb, x[lo*d:hi*d], s.Mean, s.Std)
		zb := z[lo*C : hi*C]
		kernels.Gemm(false, false, hi-lo, C, d, 1, xb, d, s.W, C, 0, zb, C)
		kernels.AddRows(zb, hi-lo, s.B)
	}
	return z
}

// Accuracy returns the fraction of pred equal to labels (0 for none).
// Different lengths panic.
func Accuracy(pred, labels []int) float64 {
	if len(pred) != len(labels) {
		panic(fmt.Sprintf("linear: %d predictions for %d labels", len(pred), len(labels)))
	}
	if len(pred) == 0 {
		return 0
	}
	ok := 0
	for i, p := range pred {
		if p == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}
