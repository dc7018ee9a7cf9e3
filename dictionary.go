package sae

import "github.com/sae-go/sae/internal/nn"

// initDictionary finishes the network's initialisation for the trainer's
// config (nn.Net.InitDictionary): for a dictionary whose decoder bias
// starts at the geometric median (mse), the median of up to 4096 (scaled)
// training rows.
func (t *trainer) initDictionary() error {
	n, d := t.net, t.train.cols
	if !n.Dictionary() {
		return nil
	}
	var bias []float32
	if t.cfg.Loss == MSE && t.cfg.DecoderBiasInit == BiasMedian {
		rows := min(t.train.len(), 4096)
		sample := make([]float32, rows*d)
		if err := t.train.readRange(sample, 0, rows); err != nil {
			return err
		}
		_, y := t.split(sample, rows, &t.bx, &t.by) // a transcoder's: the targets'
		bias = nn.GeometricMedian(y, rows, n.O)
	}
	n.InitDictionary(t.rng, bias)
	return nil
}
