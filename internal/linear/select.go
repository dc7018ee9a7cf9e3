package linear

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultL2Grid is SelectL2's default grid: two values a decade, from
// nearly unregularised to heavily regularised (for standardised features
// and a mean loss, see Options.L2).
var DefaultL2Grid = []float64{1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5}

// Selection is the outcome of SelectL2.
type Selection struct {
	// L2 is the grid value with the best validation accuracy (the larger
	// one on ties: the simpler model).
	L2 float64
	// Grid and ValAccuracy are the values tried, largest first, and the
	// held-out accuracy of each (the path stops early, see SelectL2).
	Grid, ValAccuracy []float64
	// TrainRows and ValRows are the sizes of the split.
	TrainRows, ValRows int
	// Model is the fit on the training part at L2; a good warm start for
	// the final fit on all rows.
	Model *Softmax
}

// SelectL2 picks Options.L2 from grid (DefaultL2Grid if empty) by holding
// out valFraction of the rows (chosen by a seeded shuffle), fitting on the
// rest for each value from the largest to the smallest (each fit
// warm-started from the previous one: a regularisation path), and keeping
// the value with the best accuracy on the held-out rows. The path stops
// once two values in a row score below the best: held-out accuracy is
// near-unimodal in L2, and the weakly regularised fits are the slow ones.
// opt's other fields apply to every fit; opt.L2 and opt.Init are ignored.
func SelectL2(ctx context.Context, x []float32, rows, cols int, labels []int, classes int, grid []float64, valFraction float64, seed uint64, opt Options) (*Selection, error) {
	if rows < 0 || cols < 0 || len(x) != rows*cols {
		panic(fmt.Sprintf("linear: x has %d values, want rows*cols = %d*%d", len(x), rows, cols))
	}
	if err := checkLabels(labels, rows, classes); err != nil {
		return nil, err
	}
	if !(valFraction > 0 && valFraction < 1) {
		return nil, fmt.Errorf("linear: validation fraction must be in (0, 1), got %g", valFraction)
	}
	nVal := int(valFraction*float64(rows) + 0.5)
	nTr := rows - nVal
	if nVal < 1 || nTr < 1 {
		return nil, fmt.Errorf("linear: %d rows are too few to hold out %g of them", rows, valFraction)
	}
	if len(grid) == 0 {
		grid = DefaultL2Grid
	}
	for _, l2 := range grid {
		if !(l2 >= 0) || math.IsInf(l2, 0) {
			return nil, fmt.Errorf("linear: L2 grid value %g is not finite and >= 0", l2)
		}
	}
	if err := checkFinite(x, cols); err != nil {
		return nil, err
	}
	grid = slices.Clone(grid)
	slices.SortFunc(grid, func(a, b float64) int { return cmp.Compare(b, a) })

	perm := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)).Perm(rows)
	gather := func(idx []int) ([]float32, []int) {
		xs := make([]float32, len(idx)*cols)
		ys := make([]int, len(idx))
		for k, i := range idx {
			copy(xs[k*cols:(k+1)*cols], x[i*cols:(i+1)*cols])
			ys[k] = labels[i]
		}
		return xs, ys
	}
	xTr, yTr := gather(perm[:nTr])
	xVa, yVa := gather(perm[nTr:])
	mean, std := standardise(xTr, nTr, cols)
	applyStandard(xTr, xTr, mean, std)
	opt, err := checkOptions(opt, cols, classes)
	if err != nil {
		return nil, err
	}

	sel := &Selection{TrainRows: nTr, ValRows: nVal}
	best := -1.0
	worse := 0
	var prev *Softmax
	for _, l2 := range grid {
		o := opt
		o.L2, o.Init = l2, prev
		m, err := fit(ctx, xTr, nTr, cols, yTr, classes, mean, std, o)
		if err != nil {
			return nil, err
		}
		acc := Accuracy(m.Predict(xVa, nVal), yVa)
		sel.Grid = append(sel.Grid, l2)
		sel.ValAccuracy = append(sel.ValAccuracy, acc)
		if acc > best {
			best, sel.L2, sel.Model, worse = acc, l2, m, 0
		} else if worse++; worse == 2 {
			break
		}
		prev = m
	}
	return sel, nil
}
