// Package interop reads and writes sparse autoencoders in the file layouts
// of other toolkits, so that models move between them and sae:
//
//   - SAELens: a directory with cfg.json and sae_weights.safetensors
//     (W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_in], b_dec
//     [d_in], threshold [d_sae] for jumprelu). ExportSAELens writes one,
//     ImportSAELens reads one. Architectures: standard (sae's relu models
//     with l1, kl or no penalty), topk (topk), jumprelu (jumprelu, and
//     batchtopk, whose inference rule is a per-latent threshold).
//   - sparsify (EleutherAI): a directory with cfg.json and sae.safetensors
//     (encoder.weight [num_latents, d_in], encoder.bias, W_dec
//     [num_latents, d_in], b_dec [d_in]). ImportSparsify reads one.
//
// Every format is mapped through one form, a one-layer autoencoder on raw
// input: codes = latent((x - b_dec·centred)·W_enc + b_enc), x̂ =
// codes·W_dec + b_dec. An sae model's input normalisation is folded into
// those weights on export, and the input's centring by b_dec is folded
// into b_enc (or out of it) on import where the two sides differ, so codes
// and reconstructions agree on raw input both ways. What a format or sae cannot express is refused with an
// error that says why, naming the file and key.
package interop

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sae-go/sae"
)

// Format names a file layout.
type Format string

// Formats.
const (
	SAELens  Format = "saelens"
	Sparsify Format = "sparsify"
)

// Detect tells the format of the directory dir by its weights file.
func Detect(dir string) (Format, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s: no such directory", dir)
	}
	for _, c := range []struct {
		f    Format
		file string
	}{{SAELens, SAELensWeightsFile}, {Sparsify, SparsifyWeightsFile}} {
		if _, err := os.Stat(filepath.Join(dir, c.file)); err == nil {
			return c.f, nil
		}
	}
	if subs := hookpointDirs(dir); len(subs) > 0 {
		return Sparsify, nil
	}
	return "", fmt.Errorf("%s: neither %s (SAELens) nor %s (sparsify) is there", dir, SAELensWeightsFile, SparsifyWeightsFile)
}

// Import reads the directory dir in format f as an sae model.
func Import(f Format, dir string) (*sae.Model, error) {
	switch f {
	case SAELens:
		return ImportSAELens(dir)
	case Sparsify:
		return ImportSparsify(dir)
	}
	return nil, fmt.Errorf("format %q is not saelens or sparsify", f)
}
