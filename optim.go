package sae

import (
	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/optim"
)

// newOptimizer returns cfg's mini-batch optimiser for the parameters of n.
func newOptimizer(cfg Config, n *nn.Net[float32]) optim.Optimizer {
	if cfg.Optimizer == SGD {
		return optim.NewSGD(len(n.Params), cfg.Momentum, weightSpans(n))
	}
	return newAdam(cfg, n)
}

func newAdam(cfg Config, n *nn.Net[float32]) *optim.Adam {
	o := optim.NewAdam(len(n.Params), weightSpans(n))
	o.Threads = cfg.Threads
	return o
}

// weightSpans are the weight matrices of n's parameter vector: the spans
// weight decay applies to.
func weightSpans[T kernels.Float](n *nn.Net[T]) []optim.Span {
	var s []optim.Span
	for _, seg := range n.Segments() {
		if seg.Weight {
			s = append(s, optim.Span{Lo: seg.Off, Hi: seg.Off + seg.Size()})
		}
	}
	return s
}
