package nn

// Selection codes (the kinds with Traits.Code: topk, batchtopk, jumprelu):
// the code is a selection of latents, not a penalty. Forward and backward
// side by side; B rows, d inputs, h latents, k active latents per row:
//
//	xc   [B,d] = x - b_dec               the encoder reads the input centred by the decoder bias
//	pre  [B,h] = xc·W_enc + b_enc       dense GEMM: choosing needs every pre-activation
//	keep each kind's rule (kind_topk.go, kind_batchtopk.go, kind_jumprelu.go)
//	a_ij = relu(pre_ij) on the kept entries, 0 elsewhere (a selection)
//	x̂_i  = b_dec + Σ_{j kept} a_ij W_dec[j,:]   gather-axpy: B·k·d, not B·h·d
//
// Backward, with dz_i = dL/dx̂_i [d]:
//
//	db_dec      += Σ_i dz_i
//	dW_dec[j,:] += a_ij dz_i               scatter over the kept entries only
//	da_ij        = dz_i · W_dec[j,:]       (kept entries have a_ij > 0: relu' = 1)
//	db_enc[j]   += da_ij;  dW_enc[:,j] += xc_i da_ij
//	db_dec      -= W_enc · db_enc       (through the centring; db_enc of this term)
//
// so a training step costs one dense product (the encoder's forward) and
// O(B·k·d) for the rest, where a dense implementation needs five.

import (
	"math"
	"sort"
	"sync"

	"github.com/sae-go/sae/internal/kernels"
)

// selection lists each row's kept latents with a > 0: row i's entries are
// [ptr[i], ptr[i+1]).
type selection[T Float] struct {
	ptr  []int32 // [rows+1]
	idx  []int32 // latent of each entry
	val  []T     // its activation a_ij > 0
	grad []T     // dL/da_ij (= dL/dpre_ij) after backward
	// The entries by latent (byLatent, in backSelected): latent j's are
	// ent[lptr[j]:lptr[j+1]] in entry order; row[e] is entry e's row.
	lptr, ent, row, next []int32
}

// reset prepares s for rows rows and returns it.
func (s *selection[T]) reset(rows int) {
	if cap(s.ptr) < rows+1 {
		s.ptr = make([]int32, rows+1)
	}
	s.ptr = s.ptr[:rows+1]
	s.ptr[0] = 0
	s.idx, s.val = s.idx[:0], s.val[:0]
}

// entries is the number of kept entries of the first rows rows.
func (s *selection[T]) entries(rows int) int { return int(s.ptr[rows]) }

// byLatent groups the entries of the first rows rows by latent (of h), a
// counting sort that keeps each latent's entries in entry order.
func (s *selection[T]) byLatent(rows, h int) {
	ne := s.entries(rows)
	s.lptr = grow(s.lptr, h+1)
	s.next = grow(s.next, h)
	s.ent, s.row = grow(s.ent, ne), grow(s.row, ne)
	clear(s.lptr)
	for i := 0; i < rows; i++ {
		for e := s.ptr[i]; e < s.ptr[i+1]; e++ {
			s.row[e] = int32(i)
			s.lptr[s.idx[e]+1]++
		}
	}
	for j := 0; j < h; j++ {
		s.lptr[j+1] += s.lptr[j]
	}
	copy(s.next, s.lptr[:h])
	for e, j := range s.idx[:ne] {
		s.ent[s.next[j]] = int32(e)
		s.next[j]++
	}
}

// parallelLatents runs fn(t, lo, hi) over [0, h) split into at most
// threads (0: kernels.Threads()) ranges of whole blocks of 16 latents, t
// numbering the ranges, balanced by the entries of sels (grouped by
// latent) plus one per latent.
func parallelLatents[T Float](threads, h int, sels []*selection[T], fn func(t, lo, hi int)) {
	if threads <= 0 {
		threads = kernels.Threads()
	}
	cost := func(j int) int {
		c := j
		for _, s := range sels {
			c += int(s.lptr[j])
		}
		return c
	}
	blocks := (h + 15) / 16
	total := cost(h)
	nt := min(threads, blocks, max(1, total/1024))
	if nt <= 1 {
		fn(0, 0, h)
		return
	}
	bound := make([]int, nt+1)
	bound[nt] = h
	for t := 1; t < nt; t++ {
		target := t * total / nt
		b := sort.Search(blocks, func(b int) bool { return cost(min(16*b, h)) >= target })
		bound[t] = max(bound[t-1], min(16*b, h))
	}
	var wg sync.WaitGroup
	for t := 1; t < nt; t++ {
		if bound[t] >= bound[t+1] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(t, bound[t], bound[t+1])
		}()
	}
	if bound[1] > 0 {
		fn(0, 0, bound[1])
	}
	wg.Wait()
}

// selectWork holds a selection-code net's per-batch buffers.
type selectWork[T Float] struct {
	main, aux selection[T]
	topIdx    []int32 // [B*k] per-row TopK output
	topVal    []T
	buf       []T     // scratch: batch values (batchtopk), dead columns (AuxK)
	xc        []T     // [B,d] the input centred by the decoder bias (a transcoder's: the input)
	xcBuf     []T     // xc's buffer
	gsum      []T     // [h] this step's dL/db_enc
	eh        []T     // [B,d] AuxK reconstruction of the residual
	deadIdx   []int32 // the dead latents (AuxK)
	blk       []T     // [cores,16,d] blocks of dW_enc transposed, zero between steps
	touched   []bool  // [h] latents with a gradient this step
	// minKept is the smallest activation batchtopk kept in the last
	// training batch (0 when it kept none): the trainer's threshold
	// estimate averages it.
	minKept T
}

func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// parallelRange runs fn over [0, n) split into contiguous ranges of at
// least grain items, one per core in use, on at most threads cores (0:
// kernels.Threads()).
func parallelRange(threads, n, grain int, fn func(lo, hi int)) {
	if threads <= 0 {
		threads = kernels.Threads()
	}
	nt := min(threads, (n+grain-1)/max(grain, 1))
	if nt <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	chunk := (n + nt - 1) / nt
	var wg sync.WaitGroup
	for t := 1; t < nt; t++ {
		lo, hi := t*chunk, min(n, (t+1)*chunk)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, min(chunk, n))
	wg.Wait()
}

// preActivations sets w.sel.xc to x - b_dec (a transcoder's: x) and
// w.encA[0] to xc·W_enc + b_enc [rows,h], and returns the latter.
func (n *Net[T]) preActivations(w *Workspace[T], x []T, rows int) []T {
	L := &n.enc[0]
	d := n.D
	w.sel.xcBuf = grow(w.sel.xcBuf, rows*d)
	xc := w.sel.xcBuf
	if n.trans {
		xc = x[:rows*d]
	}
	w.sel.xc = xc
	for i := 0; i < rows && !n.trans; i++ {
		xi, ci := x[i*d:(i+1)*d], xc[i*d:(i+1)*d]
		for p, v := range n.bDec {
			ci[p] = xi[p] - v
		}
	}
	pre := w.encA[0][:rows*n.H]
	L.forward(xc, rows, pre)
	kernels.BiasAct(kernels.Identity, pre, rows, L.b)
	return pre
}

// scatter writes the selection sel of the rows of pre [rows,h] back into
// pre as the dense code (the kept activations, zeros elsewhere), which it
// returns.
func (n *Net[T]) scatter(sel *selection[T], pre []T, rows int) []T {
	h := n.H
	parallelRange(n.nt, rows, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := pre[i*h : (i+1)*h]
			clear(row)
			for e := sel.ptr[i]; e < sel.ptr[i+1]; e++ {
				row[sel.idx[e]] = sel.val[e]
			}
		}
	})
	return pre
}

// selectTopK keeps the k largest entries of each row of a [rows,n] with a
// value > 0. With cols non-nil, a's column c stands for latent cols[c].
//
// Small k (k*8 <= n) goes through the heap kernel kernels.TopK; larger k
// (AuxK's) through a quickselect per row, whose cost does not grow with k.
func selectTopK[T Float](threads int, sw *selectWork[T], sel *selection[T], a []T, rows, n, k int, cols []int32) {
	sw.topIdx = grow(sw.topIdx, rows*k)
	sw.topVal = grow(sw.topVal, rows*k)
	if k*8 <= n {
		parallelRange(threads, rows, 16, func(lo, hi int) {
			kernels.TopK(a[lo*n:hi*n], hi-lo, n, k, sw.topIdx[lo*k:hi*k], sw.topVal[lo*k:hi*k])
		})
	} else {
		parallelRange(threads, rows, 16, func(lo, hi int) {
			scratch := make([]T, n)
			for i := lo; i < hi; i++ {
				row := a[i*n : (i+1)*n]
				copy(scratch, row)
				cut := kthLargest(scratch, k)
				above := 0
				for _, v := range row {
					if v > cut {
						above++
					}
				}
				ties := k - above
				t := i * k
				for j, v := range row {
					if v > cut || (v == cut && ties > 0) {
						if v == cut {
							ties--
						}
						sw.topIdx[t], sw.topVal[t] = int32(j), v
						t++
					}
				}
			}
		})
	}
	sel.reset(rows)
	for i := 0; i < rows; i++ {
		for t := i * k; t < (i+1)*k; t++ {
			v := sw.topVal[t]
			if !(v > 0) {
				continue
			}
			j := sw.topIdx[t]
			if cols != nil {
				j = cols[j]
			}
			sel.idx = append(sel.idx, j)
			sel.val = append(sel.val, v)
		}
		sel.ptr[i+1] = int32(len(sel.idx))
	}
}

// selectAbove keeps the entries of pre [rows,h] above their latent's
// threshold (and above 0): batchtopk's inference rule, row by row.
func selectAbove[T Float](sel *selection[T], pre []T, rows, h int, thr []T) {
	sel.reset(rows)
	for i := 0; i < rows; i++ {
		for j, v := range pre[i*h : (i+1)*h] {
			if v > thr[j] && v > 0 {
				sel.idx = append(sel.idx, int32(j))
				sel.val = append(sel.val, v)
			}
		}
		sel.ptr[i+1] = int32(len(sel.idx))
	}
}

// selectBatch keeps the rows*k largest positive entries of pre [rows,h]
// over the whole batch (ties at the cut resolved in row-major order) and
// records the smallest kept value in sw.minKept.
func selectBatch[T Float](sw *selectWork[T], sel *selection[T], pre []T, rows, h, k int) {
	budget := rows * k
	pos := sw.buf[:0]
	for _, v := range pre[:rows*h] {
		if v > 0 {
			pos = append(pos, v)
		}
	}
	sw.buf = pos
	var cut T // keep v > cut, and v == cut while ties remain
	ties := 0
	if len(pos) > budget {
		cut = kthLargest(pos, budget)
		above := 0
		for _, v := range pos {
			if v > cut {
				above++
			}
		}
		ties = budget - above
	}
	sel.reset(rows)
	sw.minKept = 0
	for i := 0; i < rows; i++ {
		for j, v := range pre[i*h : (i+1)*h] {
			if v > cut || (v == cut && v > 0 && ties > 0) {
				if v == cut {
					ties--
				}
				sel.idx = append(sel.idx, int32(j))
				sel.val = append(sel.val, v)
				if sw.minKept == 0 || v < sw.minKept {
					sw.minKept = v
				}
			}
		}
		sel.ptr[i+1] = int32(len(sel.idx))
	}
}

// kthLargest returns the k-th largest (1-based) of a, reordering a
// (quickselect with median-of-three pivots).
func kthLargest[T Float](a []T, k int) T {
	lo, hi := 0, len(a)-1
	target := k - 1 // index in descending order
	for lo < hi {
		mid := lo + (hi-lo)/2
		// Median of three to a[hi] as the pivot.
		if a[mid] > a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] > a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[mid] > a[hi] {
			a[mid], a[hi] = a[hi], a[mid]
		}
		p := a[hi]
		// Three-way partition, descending: [> p | == p | < p].
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch v := a[i]; {
			case v > p:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case v < p:
				a[gt], a[i] = a[i], a[gt]
				gt--
			default:
				i++
			}
		}
		switch {
		case target < lt:
			hi = lt - 1
		case target > gt:
			lo = gt + 1
		default:
			return p
		}
	}
	return a[target]
}

// decodeSelected sets z [rows,d] to base + Σ_kept a_ij W_dec[j,:]: base
// nil is zero, base [d] is added to every row (b_dec), base [rows,d] row
// by row (base may be z itself: the kept latents are then added to it).
func (n *Net[T]) decodeSelected(sel *selection[T], rows int, z, base []T) {
	n.decodeSelectedW(sel, rows, z, base, n.wDec)
}

// decodeSelectedW is decodeSelected with the decoder W [h,d].
func (n *Net[T]) decodeSelectedW(sel *selection[T], rows int, z, base, W []T) {
	d := n.O
	perRow := len(base) != d
	parallelRange(n.nt, rows, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			zi := z[i*d : (i+1)*d]
			switch {
			case base == nil:
				clear(zi)
			case perRow:
				copy(zi, base[i*d:(i+1)*d])
			default:
				copy(zi, base)
			}
			for e := sel.ptr[i]; e < sel.ptr[i+1]; e++ {
				j := int(sel.idx[e])
				axpy(sel.val[e], W[j*d:(j+1)*d], zi)
			}
		}
	})
}

// backSelected takes dz [rows,d], the gradient at a reconstruction drawn
// from sel, and accumulates dW_dec into g and sets sel.grad to dL/da. It
// groups sel by latent (byLatent): latent j's decoder row and its
// gradient are read once and stay in cache while the rows that kept j
// take their turn, and the latents split over the cores without sharing a
// row. Each element of the gradient takes its terms in row order, as a
// loop over the rows would give it.
func (n *Net[T]) backSelected(sel *selection[T], dz []T, rows int, g []T) {
	d, W := n.O, n.wDec
	sel.grad = grow(sel.grad, sel.entries(rows))
	sel.byLatent(rows, n.H)
	gw := g[n.dec[0].gw : n.dec[0].gw+n.H*d]
	parallelLatents(n.nt, n.H, []*selection[T]{sel}, func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			wj, gj := W[j*d:(j+1)*d], gw[j*d:(j+1)*d]
			for _, e := range sel.ent[sel.lptr[j]:sel.lptr[j+1]] {
				di := dz[int(sel.row[e])*d:][:d]
				sel.grad[e] = dot(di, wj)
				axpy(sel.val[e], di, gj) // dW_dec[j,:] += a_ij dz_i
			}
		}
	})
}

// encoderBackSelected accumulates db_enc, dW_enc and the centring's part
// of db_dec for the gradients sel.grad at the kept entries of each
// selection in sels (xc [rows,d] the centred input; each selection grouped
// by latent by backSelected): only the kept latents are touched.
func (n *Net[T]) encoderBackSelected(sw *selectWork[T], xc []T, rows int, g []T, sels ...*selection[T]) {
	n.gradSums(sw, rows, sels...)
	n.encoderBiasBack(g, sw.gsum, sw.gsum)
	n.encoderWeightBack(sw, xc, rows, g, sels...)
}

// gradSums sets sw.gsum [h] to each latent's summed gradient over the kept
// entries of sels, and sw.touched to the latents with an entry.
func (n *Net[T]) gradSums(sw *selectWork[T], rows int, sels ...*selection[T]) {
	h := n.H
	sw.touched = grow(sw.touched, h)
	sw.gsum = grow(sw.gsum, h)
	clear(sw.touched)
	clear(sw.gsum)
	for _, s := range sels {
		for e, j := range s.idx[:s.entries(rows)] {
			sw.gsum[j] += s.grad[e]
			sw.touched[j] = true
		}
	}
}

// encoderBiasBack adds bias [h] to db_enc and the centring's part for the
// gradient centre [h] at the pre-activations, db_dec -= W_enc · centre (a
// transcoder's encoder reads x uncentred: no such part).
func (n *Net[T]) encoderBiasBack(g, bias, centre []T) {
	d, h := n.D, n.H
	L := &n.enc[0]
	kernels.Axpy(1, bias, g[L.gb:L.gb+h])
	if n.trans {
		return
	}
	D := &n.dec[0]
	kernels.GemmN(n.nt, false, false, d, 1, h, -1, n.wEnc, h, centre, 1, 1, g[D.gb:D.gb+d], 1)
}

// encoderWeightBack accumulates dW_enc[:,j] += Σ_i xc_i da_ij over the kept
// entries of sels (the latents sw.touched marks; each selection grouped by
// latent). dW_enc[:,j] is a column of the [d,h] matrix, so for a block of
// 16 latents the rows dW_enc^T[j,:] += da_ij xc_i are gathered (vector
// axpys, the selections in order and each in row order) in a [16,d]
// buffer of the core's own and added to the gradient transposed.
func (n *Net[T]) encoderWeightBack(sw *selectWork[T], xc []T, rows int, g []T, sels ...*selection[T]) {
	d, h := n.D, n.H
	L := &n.enc[0]
	nt := n.nt
	if nt <= 0 {
		nt = kernels.Threads()
	}
	if len(sw.blk) < nt*16*d {
		sw.blk = make([]T, nt*16*d) // zero between steps: the transposed add clears what it reads
	}
	gw := g[L.gw : L.gw+d*h]
	parallelLatents(nt, h, sels, func(t, lo, hi int) {
		buf := sw.blk[t*16*d : (t+1)*16*d]
		for j0 := lo; j0 < hi; j0 += 16 {
			j1 := min(j0+16, hi)
			for j := j0; j < j1; j++ {
				bj := buf[(j-j0)*d : (j-j0+1)*d]
				for _, s := range sels {
					for _, e := range s.ent[s.lptr[j]:s.lptr[j+1]] {
						axpy(s.grad[e], xc[int(s.row[e])*d:][:d], bj)
					}
				}
			}
			addTransposed(gw[j0:], h, buf, d, j1-j0, sw.touched[j0:j1])
		}
	})
}

// addTransposed is dst[p*ldd+r] += src[r*d+p] for the rows r < rows with
// use[r], p < d, and zeroes those rows of src: through
// kernels.AddTransposed when T is float32.
func addTransposed[T Float](dst []T, ldd int, src []T, d, rows int, use []bool) {
	if d32, ok := any(dst).([]float32); ok {
		kernels.AddTransposed(d32, ldd, any(src).([]float32), d, rows, d, use)
		return
	}
	for r := 0; r < rows; r++ {
		if use[r] {
			for p := 0; p < d; p++ {
				dst[p*ldd+r] += src[r*d+p]
				src[r*d+p] = 0
			}
		}
	}
}

// axpy is y += a*x, through the float32 vector kernel when T is float32.
func axpy[T Float](a T, x, y []T) {
	if x32, ok := any(x).([]float32); ok {
		kernels.Saxpy(float32(a), x32, any(y).([]float32))
		return
	}
	kernels.Axpy(a, x, y)
}

// dot is x·y, through the float32 vector kernel when T is float32.
func dot[T Float](x, y []T) T {
	if x32, ok := any(x).([]float32); ok {
		return T(kernels.Sdot(x32, any(y).([]float32)))
	}
	return kernels.Dot(x, y)
}

// selectCode is what the selection codes share: the sparse decode, L0
// as the count of kept latents, no full-data penalty, nothing after a step.
type selectCode[T Float] struct{}

func (selectCode[T]) decode(n *Net[T], w *Workspace[T], _ []T, rows int, z, _ []T) {
	n.decodeSelected(&w.sel.main, rows, z, n.bDec) // the few active latents, not a dense product
}

func (selectCode[T]) active(n *Net[T], w *Workspace[T], rows int) int {
	return w.sel.main.entries(rows)
}

func (selectCode[T]) stats(*Net[T], *Terms) stats[T] { return nil }

func (selectCode[T]) afterStep(*Net[T], *Workspace[T], int, *State) {}

// selectForwardBackward is forwardBackward for topk (per row) or, with
// batch, batchtopk (per batch) codes: the objective is norm * Σ_rows 1/2
// ||x̂ - target||² plus, with dead latents, the AuxK term (auxk.go).
func (n *Net[T]) selectForwardBackward(w *Workspace[T], x, target []T, rows int, norm T, t *Terms, batch bool) Parts {
	d, h := n.O, n.H
	sw := &w.sel
	pre := n.preActivations(w, x, rows)
	if batch {
		selectBatch(sw, &sw.main, pre, rows, h, n.k)
	} else {
		selectTopK(n.nt, sw, &sw.main, pre, rows, h, n.k, nil)
	}
	z := w.z[:rows*d]
	n.decodeSelected(&sw.main, rows, z, n.bDec)
	lp, dz := n.selectOutputGrad(w, z, target, rows, norm, t)

	g := w.grad
	n.backSelected(&sw.main, dz, rows, g)
	sels := []*selection[T]{&sw.main}
	var used bool
	if lp.Aux, used = n.auxForwardBackward(w, pre, z, target, rows, norm, t); used {
		sels = append(sels, &sw.aux)
	}
	n.encoderBackSelected(sw, sw.xc, rows, g, sels...)
	return lp
}

// selectOutputGrad is the reconstruction term of a selection code's
// step: the loss of z against target (trimmed), dL/dz, and the decoder
// bias's gradient.
func (n *Net[T]) selectOutputGrad(w *Workspace[T], z, target []T, rows int, norm T, t *Terms) (Parts, []T) {
	d := n.O
	var lp Parts
	dz := w.dz[:rows*d]
	rec := mseOutputGrad(z, target[:rows*d], dz, norm)
	if t.Trim > 0 {
		rec = trimRows(w, rec, z, target, dz, rows, d, t.Trim, n.loss)
	}
	lp.Recon = rec * float64(norm)
	D := &n.dec[0]
	kernels.ColSums(w.colTmp[:d], dz, rows)
	kernels.Axpy(1, w.colTmp[:d], w.grad[D.gb:D.gb+d])
	return lp, dz
}

// dictionaryDefaults are the defaults and fixed settings of the selection
// kinds, trained as dictionaries of unit-norm directions: relu codes, every
// row in the loss (the rows a trimmed loss drops are where rare features
// live), no weight decay (decay on the encoder costs rare features), a
// unit-norm decoder, the decoder bias at the geometric median, and
// Adam's step 3e-3 * min(1, sqrt(1024/Hidden)) (larger dictionaries need
// smaller steps: the published 1/sqrt(latents) scaling).
func dictionaryDefaults(p *Params) {
	p.Activation, p.Trim, p.WeightDecay = "relu", 0, 0
	if p.LR == 0 && p.Optimizer == "adam" && p.Hidden > 0 {
		p.LR = 3e-3 * math.Min(1, math.Sqrt(1024/float64(p.Hidden)))
	}
	if p.DecoderNorm == "" && len(p.Layers) <= 1 && !p.Tied && !p.Variational { // else refused: dictionaryValidate
		p.DecoderNorm = "unit"
	}
	if p.DecoderBiasInit == "" {
		p.DecoderBiasInit = "median"
	}
}

// dictionaryScaling resolves auto input scaling for a dictionary on d
// columns: one global scale on data of at least 64 columns (pixels,
// embeddings, activations: one unit, where scaling each column would bend
// the dictionary's directions and blow up the many near-constant
// columns), standard scaling per column on narrower tables (measurements
// each in its own unit, where one scale would leave the largest unit to
// decide what the few latents learn: on wine, one column held nearly all
// the variance and a probe on the codes lost 28 points to the raw input).
// Not robust scaling, as for a dense code: its IQR is zero for the sparse
// columns a dictionary is often given, and it blows them up.
func dictionaryScaling(p *Params, d int) {
	if p.Normalize != "auto" {
		return
	}
	p.Normalize = "global"
	if d > 0 && d < 64 {
		p.Normalize = "standard"
	}
}

// dictionaryValidate reports the settings a selection kind cannot train
// with: it needs a one-layer untied mse model trained end to end on
// mini-batches.
func dictionaryValidate(name string, p *Params, bad func(field, format string, args ...any)) {
	why := ""
	switch {
	case len(p.Layers) > 1:
		why = "a one-layer model (Config.Hidden, not deep Config.Layers)"
	case p.Variational:
		why = "a non-variational model"
	case p.Stacked:
		why = "a model trained end to end, not Config.Stacked"
	case p.Tied:
		why = "untied weights"
	case p.Loss != "mse":
		why = "the mse loss"
	case p.Optimizer == "lbfgs":
		why = "adam or sgd (mini-batches), not lbfgs"
	case p.Contractive > 0:
		why = "no Config.Contractive penalty"
	}
	if why != "" {
		bad("Sparsity", "%s needs %s", name, why)
	}
}
