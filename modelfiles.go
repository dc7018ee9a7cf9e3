package sae

// Load's checks of a model directory it did not write: every file must be
// a regular file of a size the configuration accounts for, read no further
// than that size, and config.json must not contradict itself or the
// tensors. A crafted directory (a config.json declaring a huge head beside
// a small weights file, a symlink to /dev/zero, a named pipe, "tied: true"
// over an untied model's decoder) is refused with one line naming the file
// before anything is allocated for it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/safefile"
)

const (
	// maxConfigBytes bounds config.json (a long L-BFGS history is well
	// under a megabyte).
	maxConfigBytes = 16 << 20
	// maxHeaderBytes bounds the safetensors header of model.safetensors:
	// tensor names, shapes and offsets, a few metadata strings.
	maxHeaderBytes = 1 << 20
	// maxParams bounds a model's parameter count: 8 GiB of float32.
	maxParams = 1<<31 - 1
)

// readModelConfig reads and decodes dir's config.json, a regular file of
// at most maxConfigBytes, and checks it against itself (checkModelConfig).
func readModelConfig(dir string) (*modelFile, string, error) {
	switch st, err := os.Stat(dir); {
	case err != nil:
		return nil, "", fmt.Errorf("%s: no such model directory", dir)
	case !st.IsDir():
		return nil, "", fmt.Errorf("%s: not a directory; a model is a directory holding %s and %s", dir, ConfigFile, WeightsFile)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	raw, err := safefile.ReadRegular(cfgPath, maxConfigBytes)
	if errors.Is(err, fs.ErrNotExist) {
		if _, e := os.Lstat(cfgPath); e != nil {
			return nil, "", fmt.Errorf("%s: not a model directory (no %s)", dir, ConfigFile)
		}
	}
	if err != nil {
		return nil, "", err
	}
	var mf modelFile
	if err := json.Unmarshal(raw, &mf); err != nil {
		return nil, "", fmt.Errorf("%s: %v", cfgPath, err)
	}
	if err := checkModelConfig(raw, &mf); err != nil {
		return nil, "", fmt.Errorf("%s: %v", cfgPath, err)
	}
	return &mf, cfgPath, nil
}

// checkModelConfig refuses what json.Unmarshal lets through: unknown
// architecture fields (a misspelt "tied" would read as false), training
// settings that contradict the architecture (Load would silently follow
// the architecture), an unknown normalisation and a negative threshold.
// raw is the file mf was decoded from.
func checkModelConfig(raw []byte, mf *modelFile) error {
	var parts struct {
		Architecture json.RawMessage `json:"architecture"`
		Config       map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return err
	}
	if len(parts.Architecture) > 0 {
		dec := json.NewDecoder(bytes.NewReader(parts.Architecture))
		dec.DisallowUnknownFields()
		var a architecture
		if err := dec.Decode(&a); err != nil {
			return fmt.Errorf("architecture: %v", err)
		}
	}
	a, c := mf.Architecture, mf.Config
	stated := func(key string) bool { _, ok := parts.Config[key]; return ok }
	contradicts := func(key string, said, arch any) error {
		return fmt.Errorf("config.%s %v contradicts architecture.%s %v", key, said, key, arch)
	}
	switch {
	case stated("hidden") && c.Hidden != a.Hidden:
		return contradicts("hidden", c.Hidden, a.Hidden)
	case stated("layers") && fmt.Sprint(c.Layers) != fmt.Sprint(a.Layers):
		return contradicts("layers", c.Layers, a.Layers)
	case stated("activation") && c.Activation != a.Activation:
		return contradicts("activation", c.Activation, a.Activation)
	case stated("tied") && c.Tied != a.Tied:
		return contradicts("tied", c.Tied, a.Tied)
	case stated("variational") && c.Variational != a.Variational:
		return contradicts("variational", c.Variational, a.Variational)
	case stated("k") && keepsK(a.Code) && c.K != a.K:
		return contradicts("k", c.K, a.K)
	}
	if stated("loss") && c.Loss != "" {
		if want := map[Loss]string{MSE: "linear", BCE: "sigmoid"}[c.Loss]; want != a.Output {
			return fmt.Errorf("config.loss %s contradicts architecture.output %q (want %q)", c.Loss, a.Output, want)
		}
	}
	if stated("sparsity") && c.Sparsity != "" {
		k := nn.Lookup(string(c.Sparsity))
		selection := k != nil && k.Traits().Code
		if (a.Code != "" || selection) && c.Sparsity != a.Code {
			return fmt.Errorf("config.sparsity %s contradicts architecture.code %q", c.Sparsity, a.Code)
		}
	}
	switch mf.Normalize {
	case "", NormalizeNone, NormalizeStandard, NormalizeMinMax, NormalizeRobust, NormalizeGlobal:
	default:
		return fmt.Errorf("normalize %q is not none, standard, minmax, robust or global", mf.Normalize)
	}
	if n := c.Normalize; stated("normalize") && n != "" && n != NormalizeAuto && n != mf.Normalize &&
		!(n == NormalizeNone && mf.Normalize == "") && !(n == "" && mf.Normalize == NormalizeNone) {
		return fmt.Errorf("config.normalize %s contradicts normalize %q", n, mf.Normalize)
	}
	if mf.Threshold < 0 {
		return fmt.Errorf("threshold %g is negative: scores are mean squared errors, so every row would be flagged", mf.Threshold)
	}
	return nil
}

// keepsK reports whether the kind code keeps K latents per row
// (nn.Traits.K), which the architecture records.
func keepsK(code Sparsity) bool {
	k := nn.Lookup(string(code))
	return k != nil && k.Traits().K
}

// modelTensors lists the tensors that the network spec and normalisation
// call for, with their shapes, and counts their values in 64 bits. It
// refuses a spec of more than maxParams parameters before anything is
// allocated for it.
func modelTensors(cfgPath string, spec nn.Spec, normalized bool) (map[string][]int, int64, error) {
	segs, _ := nn.Layout(spec) // offsets may wrap on 32 bits; only shapes are used
	want := make(map[string][]int, len(segs)+2)
	var params int64
	for _, s := range segs {
		n := int64(1)
		for _, v := range s.Shape {
			n *= int64(v)
		}
		params += n
		want[s.Name] = s.Shape
	}
	if params > maxParams {
		return nil, 0, fmt.Errorf("%s: architecture %v with %d classes has %d parameters, more than %d", cfgPath, spec.Sizes, spec.Classes, params, int64(maxParams))
	}
	values := params
	if normalized {
		want["norm.shift"] = []int{spec.Sizes[0]}
		want["norm.scale"] = []int{spec.Sizes[0]}
		values += 2 * int64(spec.Sizes[0])
		if spec.Out > 0 {
			want["target_norm.shift"] = []int{spec.Out}
			want["target_norm.scale"] = []int{spec.Out}
			values += 2 * int64(spec.Out)
		}
	}
	return want, values, nil
}

// readModelWeights reads wPath, which must hold exactly the tensors in
// want (values in all) as floats. Its size is checked against that count
// first: between 2 (float16) and 8 (float64) bytes a value, plus a header
// of at most maxHeaderBytes.
func readModelWeights(wPath string, want map[string][]int, values int64, tied bool) (map[string]data.Tensor, error) {
	st, err := os.Stat(wPath)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: cannot open: %w", wPath, pe.Err)
		}
		return nil, err
	}
	if st.Mode().IsRegular() && st.Size() < 8+2*values {
		return nil, fmt.Errorf("%s: %d bytes, too small for the %d values %s declares", wPath, st.Size(), values, ConfigFile)
	}
	tensors, _, err := data.ReadSafetensorsLimit(wPath, 8+maxHeaderBytes+8*values)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, fmt.Errorf("%v for the %d values %s declares", err, values, ConfigFile)
	}
	if err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(tensors)) {
		t := tensors[name]
		shape, ok := want[name]
		if !ok {
			hint := ""
			if tied && strings.HasPrefix(name, "W_dec") {
				hint = " (it says tied: true, where the decoder is the encoder's transpose)"
			}
			return nil, fmt.Errorf("%s: tensor %s is not part of the model %s describes%s", wPath, name, ConfigFile, hint)
		}
		switch t.Dtype {
		case "F32", "F64", "F16", "BF16":
		default:
			return nil, fmt.Errorf("%s: tensor %s has dtype %s; a model's tensors are F32, F64, F16 or BF16", wPath, name, t.Dtype)
		}
		if !sameShape(t.Shape, shape) {
			return nil, fmt.Errorf("%s: tensor %s has shape %v, %s says %v", wPath, name, t.Shape, ConfigFile, shape)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if _, ok := tensors[name]; !ok {
			return nil, fmt.Errorf("%s: missing tensor %s", wPath, name)
		}
	}
	return tensors, nil
}

// modelNormalizer is the scaling of kind from the tensors prefix.shift
// and prefix.scale (nil for none): the input's (norm), a transcoder's
// target's (target_norm).
func modelNormalizer(wPath string, kind Normalize, tensors map[string]data.Tensor, prefix string) (*Normalizer, error) {
	if kind == NormalizeNone || kind == "" {
		return nil, nil
	}
	sh, sc := tensors[prefix+".shift"], tensors[prefix+".scale"]
	for _, v := range sc.Data {
		if !(v > 0) || !isFinite(float64(v)) {
			return nil, fmt.Errorf("%s: %s.scale holds %g; scales must be positive", wPath, prefix, v)
		}
	}
	return &Normalizer{Kind: kind, Shift: sh.Data, Scale: sc.Data}, nil
}
