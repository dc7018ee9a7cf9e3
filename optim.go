package sae

import (
	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/optim"
)

// newOptimizer returns cfg's mini-batch optimiser for the parameters of n.
func newOptimizer(cfg Config, n *net[float32]) optim.Optimizer {
	if cfg.Optimizer == SGD {
		return optim.NewSGD(len(n.params), cfg.Momentum, weightSpans(n))
	}
	return newAdam(n)
}

func newAdam(n *net[float32]) *optim.Adam { return optim.NewAdam(len(n.params), weightSpans(n)) }

// weightSpans are the weight matrices of n's parameter vector: the spans
// weight decay applies to.
func weightSpans[T kernels.Float](n *net[T]) []optim.Span {
	var s []optim.Span
	for _, seg := range n.segs {
		if seg.weight {
			s = append(s, optim.Span{Lo: seg.off, Hi: seg.off + seg.size()})
		}
	}
	return s
}
