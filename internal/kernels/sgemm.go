package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The packed GEMM driver of Gemm[float32] and GemmBF16. The loops are
// those of BLIS:
//
//	for jc (NC columns of C)
//	  for pc (KC of the inner dimension)
//	    pack op(B)[pc:pc+kc, jc:jc+nc] into nr-wide micro-panels   (shared)
//	    for ic (row blocks of C, taken from an atomic counter)
//	      pack op(A)[ic:ic+mc, pc:pc+kc] into mr-high micro-panels (per worker)
//	      for jr (micro-panels of B), for ir (micro-panels of A)
//	        micro-kernel: C[ir,jr] = alpha*Ap*Bp + beta*C[ir,jr]
//
// Packing is the only place the transposes show: afterwards every layout
// runs the same micro-kernel on contiguous panels, and the packing routines
// read each source in its own contiguous order. Tiles that stick out of C
// use an edge variant of the kernel or go through a small temporary.
// Packing is also where GemmBF16's rounding happens: the panels of a
// bfloat16 kernel hold pairs of bfloat16 along k (panelFormat), and the
// rest of the driver only sees panels half as deep.
//
// Parallel work: all participants pack B together, then take (row block,
// column chunk) items from an atomic counter. When M has too few row blocks
// to keep every core busy (batch-sized products), A is packed whole next to
// B and the columns are split instead, and the column blocks become the
// inner loop so that A is packed once per pc. The (jc, pc) blocks are
// pipelined over two pack buffers, so there is one barrier per block.

const (
	gemmKC = 512  // depth of a packed block, in steps of the kernel (values of k; bf16: pairs)
	gemmMC = 192  // rows of a packed A block
	gemmNC = 1024 // columns of a packed B block: with KC, 2 MB, one core's L2

	gemmItems = 8 // work items per participant wanted for balance

	// Largest A panel (floats) packed whole and shared by all participants.
	gemmSharedA = 1 << 20
	// Columns of a packed B block when A is shared: with A packed once per
	// pc, narrower B blocks cost no extra packing, only a barrier each, and
	// halve the two B buffers of the batch-sized products.
	gemmNCShared = 512

	// Problems with fewer multiply-adds than this run the plain loops.
	gemmSmall = 8 * 8 * 8
	// Problems with fewer multiply-adds than this per participant run on
	// fewer participants.
	gemmPerThread = 1 << 18
)

// microKernel computes one mr x nr tile:
// c[i*ldc+j] = alpha*sum_p a[p*mr+i]*b[p*nr+j] + beta*c[i*ldc+j],
// not reading c when beta == 0. With panels of bfloat16 pairs, p counts
// pairs and each term is the sum of a pair's two products.
type microKernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a, b, c *float32, ldc int, alpha, beta float32)
	edges  []edgeKernel // partial tiles computed in place, if any
	pack   panelFormat  // what the driver packs into the panels fn reads
}

// panelFormat is what a micro-kernel's packed panels hold.
type panelFormat uint8

const (
	// panelF32: the float32 values of op(A) and op(B).
	panelF32 panelFormat = iota
	// panelBF16: the values rounded to bfloat16 (bf16.go), held as float32,
	// for a float32 kernel: the products of two bfloat16 values are exact
	// in float32, so it computes GemmBF16's products with float32 sums.
	panelBF16
	// panelBF16Pairs: bfloat16 pairs along k in 32-bit words, element p in
	// the low half and p+1 in the high half; a step of the kernel is one
	// pair, and a panel of kc values is ceil(kc/2) words deep.
	panelBF16Pairs
)

// stepValues is the values of k each step of the kernel takes: 2 for
// bfloat16 pairs, else 1.
func (k *microKernel) stepValues() int {
	if k.pack == panelBF16Pairs {
		return 2
	}
	return 1
}

// depth is how many steps of the kernel a packed block of kc values of k
// is.
func (k *microKernel) depth(kc int) int { return ceilDiv(kc, k.stepValues()) }

// edgeKernel computes the top-left rows x cols of the kernel's tile from the
// same packed panels, so that common edge tiles need no temporary.
type edgeKernel struct {
	rows, cols int
	fn         func(kc int, a, b, c *float32, ldc int, alpha, beta float32)
}

// edge returns the cheapest kernel covering a rows x cols tile, and whether
// it covers exactly that tile (so that it can write C in place).
func (k *microKernel) edge(rows, cols int) (fn func(kc int, a, b, c *float32, ldc int, alpha, beta float32), exact bool) {
	fn, area := k.fn, k.mr*k.nr
	for _, e := range k.edges {
		if e.rows >= rows && e.cols >= cols && e.rows*e.cols < area {
			fn, area = e.fn, e.rows*e.cols
			exact = e.rows == rows && e.cols == cols
		}
	}
	return fn, exact
}

// sgemmPacked is the float32 GEMM on kern with up to nt participants. The
// arguments have been checked by Gemm; m, n > 0.
func sgemmPacked(kern *microKernel, nt int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if m*n*k < gemmSmall {
		if kern.pack == panelF32 {
			gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		} else {
			gemmRefBF16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}
		return
	}
	j := getJob()
	j.setup(kern, nt, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	j.fin.start(j.nt - 1)
	parallel(j.nt, j)
	j.fin.wait()
	j.a, j.b, j.c = nil, nil, nil
	putJob(j)
}

func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		r := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(r)
		} else if beta != 1 {
			for j := range r {
				r[j] *= beta
			}
		}
	}
}

type sgemmJob struct {
	kern           *microKernel
	mr, nr         int
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	nt       int // participants
	kcb, ncb int // block sizes (balanced)
	nIc      int // row blocks per (jc, pc)
	nChunks  int // column chunks per row block
	panels   int // row micro-panels of C: ceil(m/mr)

	nJc, nPc int // column and depth blocks

	bp      [2][]float32 // packed B blocks, shared, alternating
	sharedA bool         // all of A packed per pc into ap, by all participants
	ap      [2][]float32 // packed A panels (m x kc) when sharedA, alternating per pc
	bpBuf   [2]scratch   // the storage of bp and ap
	apBuf   [2]scratch
	ws      []sgemmWorker
	ctrMul  paddedCounter // claims of multiply work in the current segment
	ctrPack paddedCounter // claims of packing work in the current segment
	bar     spinBarrier
	fin     completion
}

type paddedCounter struct {
	atomic.Int64
	_ [56]byte
}

type sgemmWorker struct {
	ap     []float32 // packed A block
	apBuf  scratch   // its storage
	tmp    []float32 // edge tile
	packed int       // row block held in ap for the current (jc, pc), or -1
	_      [64]byte
}

var jobs struct {
	mu   sync.Mutex
	free []*sgemmJob
}

func getJob() *sgemmJob {
	jobs.mu.Lock()
	defer jobs.mu.Unlock()
	if n := len(jobs.free); n > 0 {
		j := jobs.free[n-1]
		jobs.free = jobs.free[:n-1]
		return j
	}
	return new(sgemmJob)
}

func putJob(j *sgemmJob) {
	jobs.mu.Lock()
	jobs.free = append(jobs.free, j)
	jobs.mu.Unlock()
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func (j *sgemmJob) setup(kern *microKernel, nt int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	j.kern, j.mr, j.nr = kern, mr, nr
	j.transA, j.transB = transA, transB
	j.m, j.n, j.k = m, n, k
	j.alpha, j.beta = alpha, beta
	j.a, j.b, j.c = a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc

	// A block is gemmKC steps of the kernel deep: for bfloat16 pairs,
	// twice as many values of k in the same bytes of packed panels.
	j.nPc = ceilDiv(k, gemmKC*kern.stepValues())
	j.kcb = ceilDiv(k, j.nPc)
	if kern.pack == panelBF16Pairs && j.kcb&1 != 0 {
		// Blocks of whole pairs: only the last may end with a half pair.
		j.kcb++
		j.nPc = ceilDiv(k, j.kcb)
	}
	j.panels = ceilDiv(m, mr)
	kd := kern.depth(j.kcb) // steps (floats or pairs) of a full block

	if p := runtime.GOMAXPROCS(0); nt > p {
		nt = p
	}
	if w := m * n * k / gemmPerThread; nt > w {
		nt = w
	}
	nt = max(nt, 1)

	j.nIc = ceilDiv(j.panels*mr, gemmMC)
	j.nChunks = 1
	j.sharedA = false
	if want := gemmItems * nt; nt > 1 && j.nIc < want {
		// Too few row blocks for the atomic counter to balance the cores.
		if j.panels*mr*kd <= gemmSharedA {
			// Pack all of A once, together with B, and split the columns.
			j.sharedA = true
		} else {
			// Smaller row blocks, each packed by whoever takes it.
			j.nIc = min(j.panels, want)
		}
	}
	nc := gemmNC
	if j.sharedA {
		nc = gemmNCShared
	}
	j.ncb = ceilDiv(ceilDiv(n, ceilDiv(n, nc)), nr) * nr
	j.nJc = ceilDiv(n, j.ncb)
	if want := gemmItems * nt; nt > 1 && j.nIc < want {
		if j.sharedA {
			j.nChunks = max(1, min(ceilDiv(want, j.nIc), ceilDiv(j.ncb, nr)/2))
		} else {
			j.nChunks = max(1, min(ceilDiv(want, j.nIc), ceilDiv(j.ncb, nr)/4))
		}
	}
	nt = min(nt, j.nIc*j.nChunks)
	j.nt = nt
	j.bar.n = int32(nt)

	for i := range j.bp {
		if i == 0 || j.nJc*j.nPc > 1 {
			j.bp[i] = j.bpBuf[i].grow(kd * j.ncb)
		}
	}
	if len(j.ws) < nt {
		j.ws = append(j.ws, make([]sgemmWorker, nt-len(j.ws))...)
	}
	for i := range j.ap {
		if j.sharedA && (i == 0 || j.nPc > 1) {
			j.ap[i] = j.apBuf[i].grow(j.panels * mr * kd)
		}
	}
	rowsPerBlock := ceilDiv(j.panels, j.nIc) * mr
	for w := 0; w < nt; w++ {
		ws := &j.ws[w]
		if !j.sharedA {
			ws.ap = ws.apBuf.grow(rowsPerBlock * kd)
		}
		ws.tmp = grow(ws.tmp, mr*nr)
	}
	j.ctrMul.Store(0)
	j.ctrPack.Store(0)
}

func (j *sgemmJob) done() { j.fin.done() }

// run is participant w's share of the whole product. The (jc, pc) blocks
// form a pipeline over two buffers: between two barriers a participant first
// helps multiply block s-1, then helps pack block s, so one barrier per
// block suffices and early finishers move on to packing.
func (j *sgemmJob) run(w int) {
	ws := &j.ws[w]
	nb := j.nJc * j.nPc
	for s := 0; s <= nb; s++ {
		if s > 0 {
			j.multiply(ws, s-1)
		}
		if s < nb {
			j.pack(s)
			j.bar.wait(&j.ctrMul.Int64, &j.ctrPack.Int64)
		}
	}
}

// block returns the position of (jc, pc) block s. With a shared A the
// column blocks are the inner loop, so that A is packed once per pc.
func (j *sgemmJob) block(s int) (jc, nc, pc, kc int) {
	if j.sharedA {
		jc = s % j.nJc * j.ncb
		pc = s / j.nJc * j.kcb
	} else {
		jc = s / j.nPc * j.ncb
		pc = s % j.nPc * j.kcb
	}
	return jc, min(j.ncb, j.n-jc), pc, min(j.kcb, j.k-pc)
}

// pack packs block s's B into buffer s&1 (and, if shared, A into buffer
// pc&1 at the first column block of each pc), a group of micro-panels per
// claim.
func (j *sgemmJob) pack(s int) {
	jc, nc, pc, kc := j.block(s)
	bp, ap := j.bp[s&1], j.ap[s/j.nJc&1]
	d := j.kern.depth(kc)
	nPanelsB := ceilDiv(nc, j.nr)
	group := max(1, min(256/j.nr, nPanelsB/(2*j.nt)))
	claimsB := ceilDiv(nPanelsB, group)
	claims, groupA := claimsB, 0
	if j.sharedA && jc == 0 {
		groupA = max(1, min(256/j.mr, j.panels/(2*j.nt)))
		claims += ceilDiv(j.panels, groupA)
	}
	for {
		t := int(j.ctrPack.Add(1) - 1)
		if t >= claims {
			return
		}
		if t < claimsB {
			t0 := t * group
			t1 := min(t0+group, nPanelsB)
			j.packB(bp[t0*d*j.nr:t1*d*j.nr], pc, kc, jc+t0*j.nr, min((t1-t0)*j.nr, nc-t0*j.nr))
			continue
		}
		p0 := (t - claimsB) * groupA
		p1 := min(p0+groupA, j.panels)
		j.packA(ap[p0*j.mr*d:p1*j.mr*d], p0*j.mr, min(p1*j.mr, j.m)-p0*j.mr, pc, kc)
	}
}

// multiply runs block s's micro-kernels; claims are (row block, column
// chunk), row-block major, so that a participant keeps its packed A.
func (j *sgemmJob) multiply(ws *sgemmWorker, s int) {
	jc, nc, pc, kc := j.block(s)
	d := j.kern.depth(kc)
	bp := j.bp[s&1]
	beta := j.beta
	if pc > 0 {
		beta = 1
	}
	nPanelsB := ceilDiv(nc, j.nr)
	items := j.nIc * j.nChunks
	chunk := ceilDiv(nPanelsB, j.nChunks)
	ws.packed = -1
	for {
		t := int(j.ctrMul.Add(1) - 1)
		if t >= items {
			return
		}
		ib, cb := t/j.nChunks, t%j.nChunks
		p0 := ib * j.panels / j.nIc
		p1 := (ib + 1) * j.panels / j.nIc
		if p0 == p1 {
			continue
		}
		i0 := p0 * j.mr
		mc := min(p1*j.mr, j.m) - i0
		var ap []float32
		if j.sharedA {
			ap = j.ap[s/j.nJc&1][p0*j.mr*d : p1*j.mr*d]
		} else {
			ap = ws.ap[:(p1-p0)*j.mr*d]
			if ws.packed != ib {
				j.packA(ap, i0, mc, pc, kc)
				ws.packed = ib
			}
		}
		jr0 := cb * chunk
		jr1 := min(jr0+chunk, nPanelsB)
		j.macro(ws, ap, bp, i0, mc, jc, nc, jr0, jr1, d, beta)
	}
}

// macro runs the micro-kernel over rows [i0, i0+mc), packed in apk, and B
// micro-panels [jr0, jr1) of the column block at jc, packed in bpk; the
// panels are kc steps of the kernel deep.
func (j *sgemmJob) macro(ws *sgemmWorker, apk, bpk []float32, i0, mc, jc, nc, jr0, jr1, kc int, beta float32) {
	mr, nr := j.mr, j.nr
	fn := j.kern.fn
	c, ldc := j.c, j.ldc
	alpha := j.alpha
	for jr := jr0; jr < jr1; jr++ {
		col := jc + jr*nr
		ncols := min(nr, jc+nc-col)
		bp := bpk[jr*kc*nr : (jr+1)*kc*nr]
		for ir := 0; ir*mr < mc; ir++ {
			row := i0 + ir*mr
			nrows := min(mr, i0+mc-row)
			ap := apk[ir*kc*mr : (ir+1)*kc*mr]
			if nrows == mr && ncols == nr {
				ct := c[row*ldc+col : (row+mr-1)*ldc+col+nr]
				fn(kc, &ap[0], &bp[0], &ct[0], ldc, alpha, beta)
				continue
			}
			f, exact := j.kern.edge(nrows, ncols)
			if exact {
				ct := c[row*ldc+col : (row+nrows-1)*ldc+col+ncols]
				f(kc, &ap[0], &bp[0], &ct[0], ldc, alpha, beta)
				continue
			}
			t := ws.tmp
			f(kc, &ap[0], &bp[0], &t[0], nr, alpha, 0)
			for i := 0; i < nrows; i++ {
				cr := c[(row+i)*ldc+col : (row+i)*ldc+col+ncols]
				tr := t[i*nr : i*nr+ncols]
				switch beta {
				case 0:
					copy(cr, tr)
				case 1:
					for x, v := range tr {
						cr[x] += v
					}
				default:
					for x, v := range tr {
						cr[x] = v + beta*cr[x]
					}
				}
			}
		}
	}
}

// packA packs op(A)[i0:i0+mc, pc:pc+kc] into micro-panels of mr rows:
// dst[panel*kc*mr + p*mr + r] = op(A)(i0+panel*mr+r, pc+p), zero past mc.
func (j *sgemmJob) packA(dst []float32, i0, mc, pc, kc int) {
	// op(A)(i, p) is a[p*lda+i] when transposed, a[i*lda+p] otherwise.
	j.packAs(dst, j.a, j.lda, j.transA, i0, mc, pc, kc, j.mr)
}

// packB packs op(B)[pc:pc+kc, col:col+ncols] into micro-panels of nr
// columns: dst[panel*kc*nr + p*nr + x] = op(B)(pc+p, col+panel*nr+x), zero
// past ncols.
func (j *sgemmJob) packB(dst []float32, pc, kc, col, ncols int) {
	// op(B)(p, j) is b[p*ldb+j], or b[j*ldb+p] when transposed.
	j.packAs(dst, j.b, j.ldb, !j.transB, col, ncols, pc, kc, j.nr)
}

// packAs is packPanels in the kernel's panel format.
func (j *sgemmJob) packAs(dst, src []float32, ld int, alongI bool, i0, cnt, pc, kc, w int) {
	switch j.kern.pack {
	case panelF32:
		packPanels(dst, src, ld, alongI, i0, cnt, pc, kc, w)
	case panelBF16:
		packPanels(dst, src, ld, alongI, i0, cnt, pc, kc, w)
		roundBF16(dst[:ceilDiv(cnt, w)*kc*w]) // the panels written, not the whole buffer
	case panelBF16Pairs:
		packPanelsBF16(dst, src, ld, alongI, i0, cnt, pc, kc, w)
	}
}

// packPanels packs X[i0:i0+cnt, pc:pc+kc] into micro-panels of w:
// dst[q*kc*w + p*w + r] = X(i0+q*w+r, pc+p), zero past cnt, where
// X(i, p) = src[p*ld+i] if alongI (runs of i are contiguous) and
// src[i*ld+p] otherwise (runs of p are contiguous). Either way the source is
// read in its own order, whole rows at a time.
func packPanels(dst, src []float32, ld int, alongI bool, i0, cnt, pc, kc, w int) {
	panels := ceilDiv(cnt, w)
	if last := cnt - (panels-1)*w; last < w {
		clear(dst[(panels-1)*kc*w : panels*kc*w])
	}
	if !alongI {
		for q := 0; q < panels; q++ {
			packStrided(dst[q*kc*w:(q+1)*kc*w], src[(i0+q*w)*ld+pc:], ld, min(w, cnt-q*w), kc, w)
		}
		return
	}
	full := cnt / w
	rest := cnt - full*w
	_ = dst[panels*kc*w-1]
	_ = src[(pc+kc-1)*ld+i0+cnt-1]
	done := packRunsFast(dst, src[pc*ld+i0:], ld, kc, w, full)
	if done == full && rest == 0 {
		return
	}
	for p := 0; p < kc; p++ {
		so := (pc+p)*ld + i0 + done*w
		do := (done*kc + p) * w
		for q := done; q < full; q++ {
			copyRun(unsafe.Pointer(&dst[do]), unsafe.Pointer(&src[so]), w)
			so += w
			do += kc * w
		}
		if rest > 0 {
			copy(dst[do:do+rest], src[so:so+rest])
		}
	}
}

// copyRun copies w floats from s to d, as one fixed-size move for the
// kernels' widths.
func copyRun(d, s unsafe.Pointer, w int) {
	switch w {
	case 4:
		*(*[4]float32)(d) = *(*[4]float32)(s)
	case 6:
		*(*[6]float32)(d) = *(*[6]float32)(s)
	case 8:
		*(*[8]float32)(d) = *(*[8]float32)(s)
	case 12:
		*(*[12]float32)(d) = *(*[12]float32)(s)
	case 16:
		*(*[16]float32)(d) = *(*[16]float32)(s)
	case 32:
		// Two halves: the compiler moves 64 bytes inline, more via memmove.
		*(*[16]float32)(d) = *(*[16]float32)(s)
		*(*[16]float32)(unsafe.Add(d, 64)) = *(*[16]float32)(unsafe.Add(s, 64))
	case 64:
		for o := 0; o < 256; o += 64 {
			*(*[16]float32)(unsafe.Add(d, o)) = *(*[16]float32)(unsafe.Add(s, o))
		}
	default:
		copy(unsafe.Slice((*float32)(d), w), unsafe.Slice((*float32)(s), w))
	}
}

// packStrided transposes: dst[p*w + r] = src[r*ld + p] for r < rows, p < kc.
// It walks four source rows at a time so that each pass writes whole runs.
func packStrided(dst, src []float32, ld, rows, kc, w int) {
	_ = dst[(kc-1)*w+rows-1]
	_ = src[(rows-1)*ld+kc-1]
	if done := packStridedFast(dst, src, ld, rows, kc, w); done > 0 {
		if done == kc {
			return
		}
		dst, src, kc = dst[done*w:], src[done:], kc-done
	}
	r := 0
	for ; r+4 <= rows; r += 4 {
		s0 := src[r*ld : r*ld+kc]
		s1 := src[(r+1)*ld : (r+1)*ld+kc]
		s2 := src[(r+2)*ld : (r+2)*ld+kc]
		s3 := src[(r+3)*ld : (r+3)*ld+kc]
		for p := range s0 {
			q := (*[4]float32)(dst[p*w+r:])
			q[0], q[1], q[2], q[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
	for ; r < rows; r++ {
		s0 := src[r*ld : r*ld+kc]
		for p, v := range s0 {
			dst[p*w+r] = v
		}
	}
}
