package sae

import (
	"math/rand/v2"
	"testing"

	"github.com/sae-go/sae/internal/nn"
)

// BenchmarkScoreRow times Model.Score on one row of a 784 -> 256 model:
// the arithmetic of one sae serve request.
func BenchmarkScoreRow(b *testing.B) {
	const d, h = 784, 256
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := DefaultConfig().Resolve(d, 0)
	cfg.Hidden = h
	n := nn.New[float32](cfg.netSpec(d))
	n.Init(rng, nil)
	m := newModel(cfg, d, n, nil)
	x := NewMatrix(1, d)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := m.Score(x); err != nil {
			b.Fatal(err)
		}
	}
}
