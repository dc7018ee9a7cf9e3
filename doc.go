// Package sae trains sparse autoencoders: codes a = act(x·W_enc + b_enc),
// reconstructions x̂ = a·W_dec + b_dec, a sparsity kind's penalty.
//
//	cfg := sae.DefaultConfig()
//	cfg.Hidden = 64
//	m, err := sae.Train(ctx, x, cfg, sae.TrainOptions{}) // x: a Matrix or any Source
//	codes, err := m.Encode(x)   // features; m.Reconstruct(x): denoising
//	scores, err := m.Score(x)   // anomaly detection; m.Flagged(scores)
//	err = m.Save("dir")         // m, err = sae.Load("dir")
package sae
