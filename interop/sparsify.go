package interop

// sparsify (EleutherAI) sparse coder directories: cfg.json and
// sae.safetensors, one directory per hookpoint.
//
// Encoding, as sparsify computes it for an autoencoder (not a transcoder):
//
//	pre   = relu((x - b_dec)·encoder.weight^T + encoder.bias)
//	codes = the k largest entries of pre per row (activation topk); the rest 0
//	x̂     = codes·W_dec + b_dec
//
// cfg.json keys read: d_in, k, num_latents (0: d_in * expansion_factor),
// expansion_factor, activation, transcode, skip_connection.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sae-go/sae"
)

// Files of a sparsify sparse coder directory.
const (
	SparsifyConfigFile  = "cfg.json"
	SparsifyWeightsFile = "sae.safetensors"
)

// ImportSparsify reads the sparsify sparse coder directory dir (one
// hookpoint's) as an sae model: TopK latents whose encoder reads the input
// centred by b_dec as sparsify's does, no input normalisation, anomaly
// threshold 0.
// Groupmax activations, transcoders and skip connections are refused with
// an error naming the file and key.
func ImportSparsify(dir string) (*sae.Model, error) {
	l, err := readSparsify(dir)
	if err != nil {
		return nil, err
	}
	m, err := l.model()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, SparsifyConfigFile), err)
	}
	return m, nil
}

func readSparsify(dir string) (*linear, error) {
	c, err := readCfgJSON(dir, SparsifyConfigFile, "sparsify")
	if err != nil {
		if subs := hookpointDirs(dir); len(subs) > 0 {
			return nil, fmt.Errorf("%s: no %s here; this looks like a checkpoint of several hookpoints: import one of %s", dir, SparsifyConfigFile, strings.Join(subs, ", "))
		}
		return nil, err
	}
	d, err := c.integer("d_in", 0, true, 1, maxWidth)
	if err != nil {
		return nil, err
	}
	act, err := c.str("activation", "topk")
	if err != nil {
		return nil, err
	}
	switch act {
	case "topk":
	case "groupmax":
		return nil, c.errf("activation", "groupmax latents (the largest of each of k groups) have no sae counterpart")
	default:
		return nil, c.errf("activation", "%q is not topk", act)
	}
	if t, err := c.boolean("transcode", false); err != nil {
		return nil, err
	} else if t {
		return nil, c.errf("transcode", "true: a transcoder predicts another layer's output instead of reconstructing its input, which an autoencoder cannot express")
	}
	if s, err := c.boolean("skip_connection", false); err != nil {
		return nil, err
	} else if s {
		return nil, c.errf("skip_connection", "true: a linear skip connection (W_skip) has no sae counterpart")
	}
	h, err := c.integer("num_latents", 0, false, 0, maxWidth)
	if err != nil {
		return nil, err
	}
	if h == 0 {
		ef, err := c.integer("expansion_factor", 32, false, 1, maxWidth)
		if err != nil {
			return nil, err
		}
		if h = d * ef; h > maxWidth {
			return nil, c.errf("expansion_factor", "%d latents (d_in %d times %d) is too many", h, d, ef)
		}
	}
	k, err := c.integer("k", 32, false, 1, h)
	if err != nil {
		return nil, err
	}
	f, err := readTensorFile(filepath.Join(dir, SparsifyWeightsFile))
	if err != nil {
		return nil, err
	}
	enc, err := f.get("encoder.weight", "[num_latents, d_in]", h, d)
	if err != nil {
		return nil, err
	}
	l := &linear{d: d, h: h, o: d, latent: latentTopK, k: k, wEnc: make([]float32, d*h)}
	for i := 0; i < h; i++ {
		for j := 0; j < d; j++ {
			l.wEnc[j*h+i] = enc[i*d+j]
		}
	}
	if l.bEnc, err = f.get("encoder.bias", "[num_latents]", h); err != nil {
		return nil, err
	}
	if l.wDec, err = f.get("W_dec", "[num_latents, d_in]", h, d); err != nil {
		return nil, err
	}
	if l.bDec, err = f.get("b_dec", "[d_in]", d); err != nil {
		return nil, err
	}
	if err := f.unused("its role in the sparse coder is unknown"); err != nil {
		return nil, err
	}
	l.centred = true // sparsify's encoder reads x - b_dec
	return l, nil
}

// hookpointDirs lists the subdirectories of dir that hold a sparsify
// cfg.json.
func hookpointDirs(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var subs []string
	for _, e := range ents {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), SparsifyConfigFile)); err == nil {
				subs = append(subs, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(subs)
	return subs
}
