package saebench

// Sparse probing: per class, a balanced one-against-the-rest task; the k
// latents (or input columns) with the largest difference of class means on
// its training rows; a logistic regression on them; its test accuracy.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/sae-go/sae"
)

// ProbeKs are the numbers of latents SAEBench's sparse probing reports
// that bench computes.
var ProbeKs = []int{1, 2, 5}

// Probing is SAEBench's sparse_probing metrics: "llm" on the input columns
// (the activations), "sae" on the latents, each keyed
// "<llm|sae>_top_<k>_test_accuracy".
type Probing struct {
	LLM     map[string]float64 `json:"llm"`
	SAE     map[string]float64 `json:"sae"`
	Classes int                `json:"classes"` // tasks: one per class with rows in both splits
}

// probeTask is one class against the rest.
type probeTask struct {
	class       int
	train, test []int  // rows
	trainPos    []bool // per train row: of the class
	testPos     []bool
	sumPos      [2][]float64 // per input column (0) and latent (1), over train positives
	sumNeg      [2][]float64
	top         [2][]int // chosen columns, best first
	xTrain      [2][]float64
	xTest       [2][]float64
}

// ProbeOptions configure SparseProbing.
type ProbeOptions struct {
	TestFraction float64 // share of rows held out for testing; default 0.2
	Seed         uint64  // of the split and the negatives' draw; default 1
}

// SparseProbing runs the sparse probing evaluation of m on src with one
// label per row.
func SparseProbing(ctx context.Context, m *sae.Model, src sae.Source, labels []int, opt ProbeOptions) (Probing, error) {
	n, d := src.Dims()
	if len(labels) != n {
		return Probing{}, fmt.Errorf("%d labels for %d rows", len(labels), n)
	}
	if opt.TestFraction == 0 {
		opt.TestFraction = 0.2
	}
	if opt.TestFraction <= 0 || opt.TestFraction >= 1 {
		return Probing{}, fmt.Errorf("test fraction %g: want (0, 1)", opt.TestFraction)
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	tasks := probeTasks(labels, opt)
	if len(tasks) == 0 {
		return Probing{}, errors.New("sparse probing needs two classes or more with rows in both the training and the test split")
	}
	widths := [2]int{d, m.Hidden()}
	for _, t := range tasks {
		for s := range 2 {
			t.sumPos[s], t.sumNeg[s] = make([]float64, widths[s]), make([]float64, widths[s])
		}
	}
	if err := probeMeans(ctx, m, src, tasks); err != nil {
		return Probing{}, err
	}
	maxK := slices.Max(ProbeKs)
	for _, t := range tasks {
		for s := range 2 {
			t.top[s] = topMeanDiff(t.sumPos[s], t.sumNeg[s], t.trainPos, maxK)
		}
	}
	if err := probeGather(ctx, m, src, tasks); err != nil {
		return Probing{}, err
	}
	p := Probing{LLM: map[string]float64{}, SAE: map[string]float64{}, Classes: len(tasks)}
	for _, k := range ProbeKs {
		var acc [2]float64
		for _, t := range tasks {
			for s := range 2 {
				acc[s] += t.accuracy(s, k)
			}
		}
		p.LLM[fmt.Sprintf("llm_top_%d_test_accuracy", k)] = acc[0] / float64(len(tasks))
		p.SAE[fmt.Sprintf("sae_top_%d_test_accuracy", k)] = acc[1] / float64(len(tasks))
	}
	return p, nil
}

// probeTasks splits the rows and draws each class's balanced task.
func probeTasks(labels []int, opt ProbeOptions) []*probeTask {
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5ae))
	n := len(labels)
	perm := rng.Perm(n)
	nTest := int(math.Round(opt.TestFraction * float64(n)))
	isTest := make([]bool, n)
	for _, r := range perm[:nTest] {
		isTest[r] = true
	}
	// Rows by split and class, in row order.
	byClass := [2]map[int][]int{{}, {}}
	for r, y := range labels {
		s := 0
		if isTest[r] {
			s = 1
		}
		byClass[s][y] = append(byClass[s][y], r)
	}
	classes := make([]int, 0, len(byClass[0]))
	for c := range byClass[0] {
		if len(byClass[1][c]) > 0 {
			classes = append(classes, c)
		}
	}
	sort.Ints(classes)
	if len(classes) < 2 {
		return nil
	}
	var tasks []*probeTask
	for _, c := range classes {
		t := &probeTask{class: c}
		t.train, t.trainPos = balanced(rng, byClass[0], classes, c)
		t.test, t.testPos = balanced(rng, byClass[1], classes, c)
		tasks = append(tasks, t)
	}
	return tasks
}

// balanced returns the rows of class c and as many of the other classes,
// drawn evenly from each (as many as there are when fewer), shuffled, with
// whether each is of class c.
func balanced(rng *rand.Rand, rows map[int][]int, classes []int, c int) ([]int, []bool) {
	pos := rows[c]
	per := (len(pos) + len(classes) - 2) / (len(classes) - 1)
	var neg []int
	for _, o := range classes {
		if o == c {
			continue
		}
		cand := slices.Clone(rows[o])
		rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
		neg = append(neg, cand[:min(per, len(cand))]...)
	}
	rng.Shuffle(len(neg), func(i, j int) { neg[i], neg[j] = neg[j], neg[i] })
	neg = neg[:min(len(pos), len(neg))]
	all := append(slices.Clone(pos), neg...)
	isPos := make([]bool, len(all))
	for i := range pos {
		isPos[i] = true
	}
	perm := rng.Perm(len(all))
	rows2, pos2 := make([]int, len(all)), make([]bool, len(all))
	for i, p := range perm {
		rows2[i], pos2[i] = all[p], isPos[p]
	}
	return rows2, pos2
}

// probeMeans sums the input columns and codes of each task's training rows,
// positives and negatives apart.
func probeMeans(ctx context.Context, m *sae.Model, src sae.Source, tasks []*probeTask) error {
	type role struct {
		task int
		pos  bool
	}
	n, _ := src.Dims()
	roles := make([][]role, n)
	for ti, t := range tasks {
		for i, r := range t.train {
			roles[r] = append(roles[r], role{ti, t.trainPos[i]})
		}
	}
	return scan(ctx, src, func(x sae.Matrix, lo int) error {
		codes, err := m.Encode(x)
		if err != nil {
			return err
		}
		for i := range x.Rows {
			for _, rl := range roles[lo+i] {
				t := tasks[rl.task]
				for s, mat := range [2]sae.Matrix{x, codes} {
					sum := t.sumNeg[s]
					if rl.pos {
						sum = t.sumPos[s]
					}
					for j, v := range mat.Data[i*mat.Cols : (i+1)*mat.Cols] {
						sum[j] += float64(v)
					}
				}
			}
		}
		return nil
	})
}

// topMeanDiff returns the k columns with the largest |mean over positives -
// mean over negatives|, largest first (ties: the lower column first).
func topMeanDiff(sumPos, sumNeg []float64, isPos []bool, k int) []int {
	var np, nn float64
	for _, p := range isPos {
		if p {
			np++
		} else {
			nn++
		}
	}
	diff := make([]float64, len(sumPos))
	for j := range diff {
		diff[j] = math.Abs(sumPos[j]/max(np, 1) - sumNeg[j]/max(nn, 1))
	}
	idx := make([]int, len(diff))
	for j := range idx {
		idx[j] = j
	}
	sort.SliceStable(idx, func(a, b int) bool { return diff[idx[a]] > diff[idx[b]] })
	return idx[:min(k, len(idx))]
}

// probeGather reads the chosen columns of each task's rows.
func probeGather(ctx context.Context, m *sae.Model, src sae.Source, tasks []*probeTask) error {
	type slot struct {
		task, row int // row: position in the task's train (>= 0) or test (^i) rows
	}
	n, _ := src.Dims()
	slots := make([][]slot, n)
	for ti, t := range tasks {
		for i, r := range t.train {
			slots[r] = append(slots[r], slot{ti, i})
		}
		for i, r := range t.test {
			slots[r] = append(slots[r], slot{ti, ^i})
		}
		for s := range 2 {
			k := len(t.top[s])
			t.xTrain[s], t.xTest[s] = make([]float64, len(t.train)*k), make([]float64, len(t.test)*k)
		}
	}
	return scan(ctx, src, func(x sae.Matrix, lo int) error {
		codes, err := m.Encode(x)
		if err != nil {
			return err
		}
		for i := range x.Rows {
			for _, sl := range slots[lo+i] {
				t := tasks[sl.task]
				for s, mat := range [2]sae.Matrix{x, codes} {
					k := len(t.top[s])
					dst, at := t.xTrain[s], sl.row
					if at < 0 {
						dst, at = t.xTest[s], ^at
					}
					for f, col := range t.top[s] {
						dst[at*k+f] = float64(mat.Data[i*mat.Cols+col])
					}
				}
			}
		}
		return nil
	})
}

// accuracy fits the probe on the first k chosen columns of side s (0:
// input, 1: latents) and returns its test accuracy.
func (t *probeTask) accuracy(s, k int) float64 {
	all := len(t.top[s])
	k = min(k, all)
	sub := func(x []float64, rows int) []float64 {
		out := make([]float64, 0, rows*k)
		for r := range rows {
			out = append(out, x[r*all:r*all+k]...)
		}
		return out
	}
	w, b := fitLogistic(sub(t.xTrain[s], len(t.train)), t.trainPos, k)
	xt := sub(t.xTest[s], len(t.test))
	right := 0
	for r, pos := range t.testPos {
		z := b
		for f := range k {
			z += w[f] * xt[r*k+f]
		}
		if (z > 0) == pos {
			right++
		}
	}
	return float64(right) / float64(len(t.testPos))
}
