package nn

import (
	"math"
	"strconv"
	"strings"

	"github.com/sae-go/sae/internal/kernels"
)

// matryoshka: a BatchTopK dictionary whose prefixes are dictionaries too,
// after Bussmann, Nabeshima, Karvonen and Nanda 2025, "Learning Multi-Level
// Features with Matryoshka Sparse Autoencoders". The widths m_1 < m_2 <
// ... < m_L = h (Params.Groups) nest L dictionaries: the first m_g latents
// must reconstruct the input without the others, so the early latents
// learn the general features and no later one has a reason to absorb them
// (a specific latent that also wrote its parent's direction would leave
// the smaller dictionaries without it). The code is batchtopk's
// (kind_batchtopk.go): a batch of B rows keeps its K·B largest
// pre-activations, and at inference the learned threshold decides.
// Forward and backward side by side; group g holds the latents
// G_g = [m_(g-1), m_g), m_0 = 0:
//
//	xc, pre, the kept entries a_ij      as for batchtopk (select.go)
//	x̂_g,i = b_dec + Σ_{j kept, j < m_g} a_ij W_dec[j,:]    x̂_L is the reconstruction
//	L     = norm Σ_g c_g Σ_i 1/2 ||x̂_g,i - t_i||²  (+ AuxK on the residual of x̂_L)
//
// the published loss over the prefixes, each inner level weighted by c =
// Params.GroupWeight (the whole dictionary's by 1). The paper sums them (c
// = 1); the default is c = 1/2. The inner levels are a regulariser of the
// whole dictionary, and with the sum it costs the dictionary its features:
// a few latents that cannot reconstruct the input alone (the first
// level's) learn to fire on many rows as blends of the frequent features.
// On bench/modern's ground truth (512 independent features, 1024 latents,
// k 8, 30 epochs, seed 1) the first 16 latents fired on 16% of the rows
// each and MMCS was 0.952 with c = 1, 0.959 with c = 1/2 (0.958 with 1/3,
// 0.956 with 1/4); on the hierarchical benchmark (bench/kinds) absorption
// was 20% with c = 1, 26% with 1/2 and 38% with 1/3, against batchtopk's
// 52%: 1/2 keeps most of the benefit (BENCHMARKS.md, issue 19).
// Backward, with dz_g,i = norm c_g (x̂_g,i - t_i) and D_g,i = Σ_{g' >= g}
// dz_g',i (every level a latent of group g takes part in):
//
//	db_dec      += Σ_i D_1,i
//	dW_dec[j,:] += a_ij D_g,i          for j in G_g
//	da_ij        = D_g,i · W_dec[j,:]
//	then the encoder as for topk, over the kept entries
//
// so a step costs batchtopk's plus L sparse decodes of the B·K entries.
// Parts.Recon is the full reconstruction's term, Parts.Sparsity the inner
// levels', weighted (the full-data objective, and so the validation loss,
// is the reconstruction's alone).
type matryoshkaKind struct{ kindBase }

func (matryoshkaKind) Name() string { return "matryoshka" }

func (matryoshkaKind) Summary() string {
	return "batchtopk whose first Config.Groups latents reconstruct alone, nested"
}

func (matryoshkaKind) Traits() Traits { return Traits{Code: true, K: true, Resample: true} }

func (matryoshkaKind) Fields() []string {
	return append(append([]string(nil), kFields...), "Groups", "GroupWeight")
}

// Resolve: K's defaults (resolveK); Groups nil becomes the widths
// Hidden/64, Hidden/16, Hidden/4 that are at least K, then Hidden, which is
// also appended to widths that stop short of it; GroupWeight 0 becomes
// its default (with one level there is nothing to weigh: it stays 0).
func (matryoshkaKind) Resolve(p *Params, d int) {
	resolveK(p, d)
	if p.Hidden == 0 {
		return
	}
	if len(p.Groups) == 0 {
		for f := 64; f > 1; f /= 4 {
			if w := p.Hidden / f; w >= max(p.K, 1) && (len(p.Groups) == 0 || w > p.Groups[len(p.Groups)-1]) {
				p.Groups = append(p.Groups, w)
			}
		}
	}
	if n := len(p.Groups); n == 0 || p.Groups[n-1] < p.Hidden {
		p.Groups = append(p.Groups, p.Hidden)
	}
	if p.GroupWeight == 0 && len(p.Groups) > 1 {
		p.GroupWeight = innerWeight(p, len(p.Groups))
	}
}

// defaultGroupWeight is GroupWeight's default (see matryoshkaKind).
const defaultGroupWeight = 0.5

// innerWeight is the weight c of each of the L-1 inner levels (see
// matryoshkaKind): GroupWeight, or defaultGroupWeight when it is 0.
func innerWeight(p *Params, L int) float64 {
	if p.GroupWeight > 0 || L < 2 {
		return p.GroupWeight
	}
	return defaultGroupWeight
}

func (k matryoshkaKind) Validate(p *Params, bad func(field, format string, args ...any)) {
	dictionaryValidate(k.Name(), p, bad)
	prev := 0
	for _, w := range p.Groups {
		if w <= prev || (p.Hidden > 0 && w > p.Hidden) {
			bad("Groups", "must be increasing widths in [1, Config.Hidden], got %v", p.Groups)
			return
		}
		prev = w
	}
	if w := p.GroupWeight; w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		bad("GroupWeight", "must be a finite number >= 0 (0: the default, %g), got %g", defaultGroupWeight, w)
	}
}

func (matryoshkaKind) Tensors(h int) []Tensor {
	return []Tensor{{Name: "threshold", Shape: []int{h}}}
}

func (k matryoshkaKind) Describe(p *Params) string {
	s := describeK(k, p)
	if len(p.Groups) > 0 {
		s += " groups=" + joinInts(p.Groups)
	}
	return s
}

func (matryoshkaKind) code32() code[float32] { return matryoshkaCode[float32]{} }
func (matryoshkaKind) code64() code[float64] { return matryoshkaCode[float64]{} }

type matryoshkaCode[T Float] struct{ batchTopKCode[T] }

// matryoshkaWork holds a step's levels: the kept entries of each group,
// and each level's reconstruction and its gradient [rows,d] (the last
// level's are the workspace's z and dz).
type matryoshkaWork[T Float] struct {
	groups     []selection[T]
	z, dz      [][]T // each level's, this step
	zbuf, dbuf [][]T // the inner levels' buffers
	sels       []*selection[T]
}

// levels are the prefix widths of t for h latents (one level, h, when
// none are set).
func levels(t *Terms, h int) []int {
	if len(t.Groups) == 0 {
		return []int{h}
	}
	return t.Groups
}

// forwardBackward: the objective above, its gradient accumulated into
// w.grad.
func (matryoshkaCode[T]) forwardBackward(n *Net[T], w *Workspace[T], x, target []T, rows int, norm T, t *Terms, _ []T) Parts {
	d, h := n.O, n.H
	sw := &w.sel
	pre := n.preActivations(w, x, rows)
	selectBatch(sw, &sw.main, pre, rows, h, n.k)
	widths := levels(t, h)
	L := len(widths)
	mw := kindScratch(w, func() *matryoshkaWork[T] { return &matryoshkaWork[T]{} })
	mw.split(&sw.main, rows, widths)
	for len(mw.zbuf) < L-1 {
		mw.zbuf, mw.dbuf = append(mw.zbuf, nil), append(mw.dbuf, nil)
	}
	mw.z, mw.dz = mw.z[:0], mw.dz[:0]
	for g := 0; g < L-1; g++ {
		mw.zbuf[g], mw.dbuf[g] = grow(mw.zbuf[g], rows*d), grow(mw.dbuf[g], rows*d)
		mw.z, mw.dz = append(mw.z, mw.zbuf[g]), append(mw.dz, mw.dbuf[g])
	}
	mw.z, mw.dz = append(mw.z, w.z[:rows*d]), append(mw.dz, w.dz[:rows*d])
	var lp Parts
	target = target[:rows*d]
	base := n.bDec
	c := innerWeight(&t.Params, L)
	for g := 0; g < L; g++ {
		n.decodeSelected(&mw.groups[g], rows, mw.z[g], base)
		if g == L-1 {
			lp.Recon = mseOutputGrad(mw.z[g], target, mw.dz[g], norm) * float64(norm)
		} else {
			lp.Sparsity += c * mseOutputGrad(mw.z[g], target, mw.dz[g], norm*T(c)) * float64(norm)
		}
		base = mw.z[g]
	}
	for g := L - 2; g >= 0; g-- { // D_g = dz_g + D_(g+1)
		kernels.Axpy(1, mw.dz[g+1], mw.dz[g])
	}
	w.outGrad = mw.dz[0] // every level's: a transcoder's skip takes part in each
	D := &n.dec[0]
	kernels.ColSums(w.colTmp[:d], mw.dz[0], rows)
	kernels.Axpy(1, w.colTmp[:d], w.grad[D.gb:D.gb+d])
	sels := mw.sels[:0]
	for g := range mw.groups {
		n.backSelected(&mw.groups[g], mw.dz[g], rows, w.grad)
		sels = append(sels, &mw.groups[g])
	}
	var used bool
	if lp.Aux, used = n.auxForwardBackward(w, pre, mw.z[L-1], target, rows, norm, t); used {
		sels = append(sels, &sw.aux)
	}
	n.encoderBackSelected(sw, sw.xc, rows, w.grad, sels...)
	mw.sels = sels
	return lp
}

// split sorts the entries of sel into the groups of the prefix widths.
func (mw *matryoshkaWork[T]) split(sel *selection[T], rows int, widths []int) {
	for len(mw.groups) < len(widths) {
		mw.groups = append(mw.groups, selection[T]{})
	}
	mw.groups = mw.groups[:len(widths)]
	for g := range mw.groups {
		mw.groups[g].reset(rows)
	}
	for i := 0; i < rows; i++ {
		for e := sel.ptr[i]; e < sel.ptr[i+1]; e++ {
			j := sel.idx[e]
			g := 0
			for int(j) >= widths[g] {
				g++
			}
			s := &mw.groups[g]
			s.idx, s.val = append(s.idx, j), append(s.val, sel.val[e])
		}
		for g := range mw.groups {
			s := &mw.groups[g]
			s.ptr[i+1] = int32(len(s.idx))
		}
	}
}

// joinInts writes v as "a,b,c".
func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
