// Package sae trains and applies sparse autoencoders on dense float32 data.
//
// A sparse autoencoder maps an input row x (d values) to a code
// a = act(x·W_enc + b_enc) of h latents and back to a reconstruction
// x̂ = a·W_dec + b_dec (passed through a sigmoid for the bce loss). Training
// minimises the reconstruction loss plus a sparsity penalty on a (L1 on the
// activations, or the KL divergence between a target firing rate rho and each
// latent's mean activation) plus weight decay on the weights.
//
// The usual flow (the examples show each step running):
//
//	cfg := sae.DefaultConfig()
//	cfg.Hidden = 64
//	m, err := sae.Train(ctx, x, cfg, sae.TrainOptions{})
//	codes, err := m.Encode(x)        // dimensionality reduction, features
//	xr, err := m.Reconstruct(x)      // denoising
//	scores, err := m.Score(x)        // anomaly detection; m.Flagged(scores)
//	err = m.Save("model-dir")        // config.json + model.safetensors
//	m, err = sae.Load("model-dir")
//
// Data too large for memory is trained from a Source, read a batch at a
// time, with TrainSource.
//
// Every dense product goes through internal/kernels, whose float32 GEMM uses
// AVX-512/AVX2 assembly where the CPU has it. The same network code runs in
// float64 for the gradient checks in the tests.
package sae
