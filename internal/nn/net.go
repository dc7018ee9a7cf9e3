package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Net is the autoencoder: k dense encoder layers down to the code and k
// mirrored decoder layers back to the input (see the package doc for the
// shapes), with the sparsity kind's code and tensors.
type Net[T Float] struct {
	D, H   int   // input width, code width
	O      int   // output width: D, or a transcoder's Spec.Out
	trans  bool  // a transcoder (Spec.Out > 0)
	Sizes  []int // [d, layer widths...]; read-only
	Params []T   // every tensor, laid out as Segments says
	act    Act
	loss   Loss
	tied   bool
	vae    bool // variational: the last encoder layer outputs [mean | log-variance]
	kind   Kind
	code   code[T]
	k      int  // latents kept per row (Traits.K)
	unit   bool // unit-norm decoder rows
	nt     int  // cores (Spec.Threads)
	bf16   bool // Spec.BF16
	head   *dense[T]
	segs   []Segment
	enc    []dense[T]
	dec    []dense[T]
	wSkip  []T   // a transcoder's skip W_skip [d,O], or nil
	skipAt int   // its offset in Params
	kt     [][]T // the kind's tensors, in Kind.Tensors order
	ktOff  []int // their offsets in Params
	// One-layer views (the classic model).
	wEnc, bEnc, wDec, bDec []T
}

// segName names layer i's tensor: W_enc, b_enc, W_dec, b_dec for a one-layer
// model (the classic names, and SAELens's), W_enc.i etc. for deep ones.
func segName(base string, i, k int) string {
	if k == 1 {
		return base
	}
	return fmt.Sprintf("%s.%d", base, i)
}

// Layout places the tensors of a network without allocating them: the
// encoder's, the decoder's, the head's, then the kind's; it returns them
// and the parameter count.
func Layout(spec Spec) ([]Segment, int) {
	sizes, tied := spec.Sizes, spec.Tied
	k := len(sizes) - 1
	var segs []Segment
	off := 0
	add := func(name string, weight bool, shape ...int) {
		s := Segment{Name: name, Off: off, Shape: shape, Weight: weight}
		segs = append(segs, s)
		off += s.Size()
	}
	for l := 0; l < k; l++ {
		out := sizes[l+1]
		if spec.VAE && l == k-1 {
			out *= 2
		}
		add(segName("W_enc", l, k), true, sizes[l], out)
		add(segName("b_enc", l, k), false, out)
	}
	for m := 0; m < k; m++ {
		in, out := sizes[k-m], sizes[k-m-1]
		if m == k-1 && spec.Out > 0 {
			out = spec.Out
		}
		if !tied {
			add(segName("W_dec", m, k), true, in, out)
		}
		add(segName("b_dec", m, k), false, out)
	}
	if spec.Skip {
		add("W_skip", true, sizes[0], spec.Out)
	}
	if spec.Classes > 0 {
		add("W_head", true, sizes[k], spec.Classes)
		add("b_head", false, spec.Classes)
	}
	for _, t := range kindOf(spec.Kind).Tensors(sizes[k]) {
		add(t.Name, t.Weight, t.Shape...)
	}
	return segs, off
}

// New returns the network of spec with every parameter zero (Init draws
// them), but for the kind's tensors, which start at their Init value.
func New[T Float](spec Spec) *Net[T] {
	kind := kindOf(spec.Kind)
	segs, total := Layout(spec)
	sizes, tied := spec.Sizes, spec.Tied
	k := len(sizes) - 1
	n := &Net[T]{D: sizes[0], H: sizes[k], O: sizes[0], trans: spec.Out > 0, Sizes: append([]int(nil), sizes...), act: spec.Act, loss: spec.Loss, tied: tied,
		vae: spec.VAE, kind: kind, code: codeOf[T](kind), k: spec.K, unit: spec.UnitDecoder, nt: spec.Threads, bf16: spec.BF16, Params: make([]T, total), segs: segs}
	byName := map[string]Segment{}
	for _, s := range segs {
		byName[s.Name] = s
	}
	view := func(name string) ([]T, int) {
		s := byName[name]
		return n.Params[s.Off : s.Off+s.Size()], s.Off
	}
	for l := 0; l < k; l++ {
		L := dense[T]{in: sizes[l], out: sizes[l+1], nt: spec.Threads, bf16: spec.BF16}
		if spec.VAE && l == k-1 {
			L.out *= 2
		}
		L.w, L.gw = view(segName("W_enc", l, k))
		L.b, L.gb = view(segName("b_enc", l, k))
		n.enc = append(n.enc, L)
	}
	for m := 0; m < k; m++ {
		L := dense[T]{in: sizes[k-m], out: sizes[k-m-1], nt: spec.Threads, bf16: spec.BF16}
		if m == k-1 && spec.Out > 0 {
			L.out, n.O = spec.Out, spec.Out
		}
		if tied {
			mirror := n.enc[k-1-m]
			L.tw, L.gw = mirror.w, mirror.gw
		} else {
			L.w, L.gw = view(segName("W_dec", m, k))
		}
		L.b, L.gb = view(segName("b_dec", m, k))
		n.dec = append(n.dec, L)
	}
	if spec.Skip {
		n.wSkip, n.skipAt = view("W_skip")
	}
	if spec.Classes > 0 {
		H := dense[T]{in: n.H, out: spec.Classes, nt: spec.Threads, bf16: spec.BF16}
		H.w, H.gw = view("W_head")
		H.b, H.gb = view("b_head")
		n.head = &H
	}
	if k == 1 {
		n.wEnc, n.bEnc, n.wDec, n.bDec = n.enc[0].w, n.enc[0].b, n.dec[0].w, n.dec[0].b
	}
	for _, t := range kind.Tensors(n.H) {
		v, off := view(t.Name)
		for i := range v {
			v[i] = T(t.Init)
		}
		n.kt, n.ktOff = append(n.kt, v), append(n.ktOff, off)
	}
	return n
}

// SetBF16 sets Spec.BF16: whether the dense layers multiply with bfloat16
// operands.
func (n *Net[T]) SetBF16(on bool) {
	n.bf16 = on
	for l := range n.enc {
		n.enc[l].bf16 = on
	}
	for m := range n.dec {
		n.dec[m].bf16 = on
	}
	if n.head != nil {
		n.head.bf16 = on
	}
}

// Spec is the network's shape.
func (n *Net[T]) Spec() Spec {
	s := Spec{Sizes: n.Sizes, Act: n.act, Loss: n.loss, Tied: n.tied, VAE: n.vae, Classes: n.Classes(), Kind: n.kind, K: n.k, UnitDecoder: n.unit, Threads: n.nt, Skip: n.wSkip != nil, BF16: n.bf16}
	if n.trans {
		s.Out = n.O
	}
	return s
}

// Segments are the tensors in the parameter vector, in order.
func (n *Net[T]) Segments() []Segment { return n.segs }

// Depth is the number of encoder layers.
func (n *Net[T]) Depth() int { return len(n.enc) }

// Classes is the number of classes of the softmax head (0 without one).
func (n *Net[T]) Classes() int {
	if n.head == nil {
		return 0
	}
	return n.head.out
}

// Kind is the sparsity kind.
func (n *Net[T]) Kind() Kind { return n.kind }

// Init draws every weight uniformly in ±sqrt(6/(fan_in+fan_out+1)) (the
// classic sparse-autoencoder initialisation) and sets biases to zero; with
// mean non-nil and the mse loss, the output bias starts at the data mean so
// training starts from the best constant reconstruction.
func (n *Net[T]) Init(rng *rand.Rand, mean []float32) {
	layers := [][]dense[T]{n.enc, n.dec}
	if n.head != nil {
		layers = append(layers, []dense[T]{*n.head})
	}
	for _, ls := range layers {
		for _, L := range ls {
			r := math.Sqrt(6 / float64(L.in+L.out+1))
			for i := range L.w {
				L.w[i] = T((2*rng.Float64() - 1) * r)
			}
			clear(L.b)
		}
	}
	if mean != nil && n.loss == MSE {
		out := n.dec[len(n.dec)-1].b
		for i, v := range mean {
			out[i] = T(v)
		}
	}
}

// CopyLayer copies encoder layer l and its mirrored decoder layer from the
// one-layer network src (greedy pre-training of a stacked model).
func (n *Net[T]) CopyLayer(l int, src *Net[T]) {
	k := n.Depth()
	dst, mirror := &n.enc[l], &n.dec[k-1-l]
	copy(dst.w, src.enc[0].w)
	copy(dst.b, src.enc[0].b)
	if mirror.w != nil {
		copy(mirror.w, src.dec[0].w)
	}
	copy(mirror.b, src.dec[0].b)
}

// Features returns the dictionary the network draws its reconstructions
// from, as rows of output width (a transcoder's Spec.Out): the rows of the last decoder layer's
// weights (for a tied model, the first encoder layer's columns), n x d.
func (n *Net[T]) Features() (f []T, rows int) {
	last := n.dec[n.Depth()-1]
	if last.w != nil {
		return append([]T(nil), last.w...), last.in
	}
	return Transpose(n.enc[0].w, n.D, n.enc[0].out), n.enc[0].out
}

// EncoderColumnSquares is the squared norm of each column of a one-layer
// encoder's weights (the contractive Jacobian's factors), nil for a deep or
// variational network.
func (n *Net[T]) EncoderColumnSquares() []float64 {
	if n.Depth() != 1 || n.vae {
		return nil
	}
	return columnSquares(n.wEnc, n.D, n.H)
}

// Transpose returns the cols x rows transpose of the rows x cols matrix a.
func Transpose[T Float](a []T, rows, cols int) []T {
	t := make([]T, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			t[j*rows+i] = a[i*cols+j]
		}
	}
	return t
}
