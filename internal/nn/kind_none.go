package nn

// none: no sparsity penalty. The plain autoencoder (and the variational
// one, whose Gaussian code has its own KL term); the code is dense.
type none struct{ kindBase }

func (none) Name() string                { return "none" }
func (none) Summary() string             { return "no penalty" }
func (k none) Describe(p *Params) string { return describe(k) }
func (none) code32() code[float32]       { return denseCode[float32]{} }
func (none) code64() code[float64]       { return denseCode[float64]{} }

// kindBase gives a kind the answers of one with nothing of its own: no
// kind-specific fields, defaults, checks, target coefficient or tensors.
type kindBase struct{}

func (kindBase) Traits() Traits                                 { return Traits{} }
func (kindBase) Fields() []string                               { return nil }
func (kindBase) Resolve(*Params, int)                           {}
func (kindBase) Validate(*Params, func(string, string, ...any)) {}
func (kindBase) Target(*Params) Target                          { return noTarget() }
func (kindBase) Tensors(int) []Tensor                           { return nil }
