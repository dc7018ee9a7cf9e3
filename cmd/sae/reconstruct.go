package main

import (
	"context"
	"flag"

	"github.com/sae-go/sae"
)

func init() {
	register(&command{
		name:    "reconstruct",
		summary: "write reconstructions of data in input units (the denoiser)",
		usage:   "--model DIR --data F --out F.npy|F.csv",
		examples: []string{
			"sae reconstruct --model fm --data noisy.npy --out clean.npy",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			return setupTransform(fs, e, "reconstructions", func(m *sae.Model, x sae.Matrix) (sae.Matrix, error) { return m.Reconstruct(x) })
		},
	})
}
