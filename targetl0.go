package sae

// The target-L0 controller: with Config.TargetL0 set, the trainer tunes
// the penalty coefficient c (L1 for l1, Rho for kl, L0Coef for jumprelu)
// so that the mean number of active latents per training row, L0,
// settles at the target. (For kl the target rate rho is tuned, not Beta:
// with relu codes a larger Beta only holds each latent's mean activation
// at rho, it does not change how many latents fire.) After every
// optimiser step on a batch whose L0 is l_t:
//
//	m_t     = m_{t-1} + max(1/t, 1/50)  (l_t - m_{t-1})   running L0 (fast)
//	s_t     = s_{t-1} + max(1/t, 1/200) (l_t - s_{t-1})   running L0 (slow)
//	e_t     = clamp(log(m_t / target) + 1.5 log(m_t / s_t), ±1)
//	log c_t = log c_{t-1} + sign · gain · (lr_t/LR) · e_t
//
// with sign -1 for rho (a larger rate means more active latents).
// The update is multiplicative, so it is the same for every penalty and
// every data scale (coefficients differ by orders of magnitude between
// them); it is proportional to the relative error, so it slows down as
// the target nears; and it follows the learning-rate schedule, so it
// slows down with the optimiser, whose steps are what L0 responds to
// (a controller faster than the model it steers would oscillate). The
// clamp bounds a step to gain in log c: from a starting coefficient off
// by a factor 100 the controller needs about 5/gain steps.
//
// The sparse phase keeps its last weights (no early-stopping restore):
// the objective changes with c, so its values at different epochs do not
// compare. The model stores the final c in its Config.

import (
	"math"

	"github.com/sae-go/sae/internal/nn"
)

const (
	// targetGain is the controller's step in log c per step at full
	// learning rate and an error of 1 nat.
	targetGain = 0.01
	// targetFast and targetSlow are the horizons, in steps, of the two
	// running L0s: the fast one is the measurement, the slow one gives
	// the trend.
	targetFast, targetSlow = 50, 200
	// targetDamping weighs the trend against the level.
	targetDamping = 1.5
)

// l0Controller is the controller's state (saved in checkpoints).
type l0Controller struct {
	Target  float64 `json:"target"`
	LogCoef float64 `json:"log_coef"` // log of the coefficient in force
	// Sign is +1 when a larger coefficient means fewer active latents
	// (L1, L0Coef), -1 when more (kl's Rho).
	Sign    float64 `json:"sign"`
	Running float64 `json:"running"` // running L0 of the training batches (fast)
	Slow    float64 `json:"slow"`    // the same over a longer horizon
	Steps   int     `json:"steps"`   // batches observed
	// Lo and Hi bound the coefficient (Hi 0: unbounded).
	Lo float64 `json:"lo,omitempty"`
	Hi float64 `json:"hi,omitempty"`
}

func newL0Controller(cfg Config) *l0Controller {
	p := cfg.params()
	tg := cfg.kind().Target(&p)
	return &l0Controller{Target: cfg.TargetL0, Sign: tg.Sign, Lo: tg.Lo, Hi: tg.Hi, LogCoef: math.Log(*tg.Coef)}
}

// coef is the coefficient in force.
func (c *l0Controller) coef() float64 { return math.Exp(c.LogCoef) }

// observe folds a batch's L0 into the running L0s and moves the
// coefficient; lrRatio is the step's learning rate over the peak. The
// error is the level, log(running / target), plus the trend,
// targetDamping * log(running / slow): while L0 is already falling
// towards the target the coefficient rises less (and the other way
// round), so the lag between a coefficient and the L0 it leads to does
// not make the controller overshoot.
func (c *l0Controller) observe(l0, lrRatio float64) {
	c.Steps++
	c.Running += max(1/float64(c.Steps), 1.0/targetFast) * (l0 - c.Running)
	c.Slow += max(1/float64(c.Steps), 1.0/targetSlow) * (l0 - c.Slow)
	fast, slow := max(c.Running, 1e-3), max(c.Slow, 1e-3)
	e := math.Log(fast/c.Target) + targetDamping*math.Log(fast/slow)
	e = max(-1, min(1, e))
	c.LogCoef += c.Sign * targetGain * lrRatio * e
	if c.Hi > 0 {
		c.LogCoef = max(math.Log(c.Lo), min(math.Log(c.Hi), c.LogCoef))
	}
}

// withTargetCoef returns cfg with the tuned coefficient set to v.
func withTargetCoef(cfg Config, v float64) Config {
	p := cfg.params()
	*cfg.kind().Target(&p).Coef = v
	cfg.setParams(p)
	return cfg
}

// validateTargetL0 reports, through bad, settings TargetL0 cannot work
// with (the kinds check their coefficients).
func (c Config) validateTargetL0(bad badFunc) {
	if c.TargetL0 < 0 || math.IsNaN(c.TargetL0) || math.IsInf(c.TargetL0, 0) {
		bad("TargetL0", "must be >= 0 (0: off), got %g", c.TargetL0)
		return
	}
	k := c.kind()
	if c.TargetL0 == 0 || k == nil {
		return
	}
	p := c.params()
	if k.Target(&p).Coef == nil {
		hasTarget := func(k nn.Kind) bool { return k.Target(&nn.Params{}).Coef != nil }
		bad("TargetL0", "tunes the penalty of Config.Sparsity %s; %s has none", nn.Names(hasTarget), c.Sparsity)
	} else if !k.Traits().Code && c.Activation != "" && c.Activation != ReLU {
		bad("TargetL0", "needs Config.Activation relu with Config.Sparsity %s: %s codes are never exactly 0, so every latent counts as active", c.Sparsity, c.Activation)
	}
	if c.Hidden > 0 && c.TargetL0 >= float64(c.Hidden) {
		bad("TargetL0", "%g is not below the %d latents", c.TargetL0, c.Hidden)
	}
	switch {
	case c.Optimizer == LBFGS:
		bad("TargetL0", "the controller steers mini-batch training: use adam or sgd, not lbfgs")
	case c.Stacked:
		bad("TargetL0", "not supported with Config.Stacked")
	case c.FinetuneEpochs > 0:
		bad("TargetL0", "Config.FinetuneEpochs trains without the penalty, so the L0 would drift from the target: leave it 0")
	}
}
