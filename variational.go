package sae

import (
	"fmt"
	"math/rand/v2"
)

// Generate decodes n codes drawn from the prior N(0, I) of a variational
// model into rows in input units (samples of what the model has learned).
func (m *Model) Generate(n int, seed uint64) (Matrix, error) {
	if !m.net.VAE() {
		return Matrix{}, fmt.Errorf("generate: the model is not variational (train with Config.Variational)")
	}
	if n < 1 || n > 1<<24 {
		return Matrix{}, fmt.Errorf("generate: %d samples is out of range [1, %d]", n, 1<<24)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6))
	codes := NewMatrix(n, m.net.H)
	for i := range codes.Data {
		codes.Data[i] = float32(rng.NormFloat64())
	}
	return m.Decode(codes)
}
