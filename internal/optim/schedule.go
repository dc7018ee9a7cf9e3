package optim

import "math"

// Schedules after warm-up (Config.Decay).
const (
	Cosine = "cosine" // to 10% of the peak at the last step
	Linear = "linear" // to 0 at the last step
)

// LR is the learning rate at step (0-based) of total: linear warm-up over
// the first warm steps to peak, then decay to the last step: Cosine,
// Linear, or anything else for none.
func LR(peak float64, step, total, warm int, decay string) float64 {
	if warm > 0 && step < warm {
		return peak * float64(step+1) / float64(warm)
	}
	if total <= warm+1 {
		return peak
	}
	f := float64(step-warm) / float64(total-warm-1)
	switch decay {
	case Cosine:
		return peak * (0.1 + 0.9*0.5*(1+math.Cos(math.Pi*f)))
	case Linear:
		return peak * (1 - f)
	}
	return peak
}
