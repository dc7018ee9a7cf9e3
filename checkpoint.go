package sae

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/internal/safefile"
)

// formatVersion is the version of the model directory layout this build
// writes; Load reads versions up to it.
const formatVersion = 1

// Version is the version of sae that wrote a model.
const Version = "0.1.0"

// Files inside a model directory.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
	// DetectorDir holds the anomaly detector's members, each a model
	// directory named by its number from 1 (detector.go).
	DetectorDir = "detector"
)

// architecture describes the network's shape in config.json.
type architecture struct {
	Kind       string     `json:"kind"` // "sae"
	Inputs     int        `json:"inputs"`
	Hidden     int        `json:"hidden"`           // code width
	Layers     []int      `json:"layers,omitempty"` // encoder widths of a deep model, ending with Hidden
	Activation Activation `json:"activation"`
	Output     string     `json:"output"` // "linear" (mse) or "sigmoid" (bce)
	Tied       bool       `json:"tied"`
	// Variational: the last encoder layer outputs [mean | log-variance].
	Variational bool `json:"variational,omitempty"`
	// Classes of the softmax head (models trained with labels).
	Classes int `json:"classes,omitempty"`
	// Code is "topk" or "batchtopk" for a selection code of K latents per
	// row (batchtopk: per row on average in training; at inference the
	// tensor threshold [hidden] decides), "jumprelu" for one of learned
	// per-latent thresholds (the tensor threshold); empty for a dense code. A
	// selection code's encoder reads the input centred by the decoder bias:
	// pre-activations (x - b_dec)·W_enc + b_enc.
	Code Sparsity `json:"code,omitempty"`
	K    int      `json:"k,omitempty"`
	// Outputs > 0: a transcoder's target width (the decoder's output;
	// its encoder reads the input uncentred); Skip: its linear skip
	// W_skip [inputs, outputs]. Its target scaling is the tensors
	// target_norm.shift and target_norm.scale, of the kind normalize.
	Outputs int  `json:"outputs,omitempty"`
	Skip    bool `json:"skip,omitempty"`
}

// modelFile is config.json.
type modelFile struct {
	Format        string       `json:"format"`
	FormatVersion int          `json:"format_version"`
	SaeVersion    string       `json:"sae_version"`
	Architecture  architecture `json:"architecture"`
	Normalize     Normalize    `json:"normalize"`
	Threshold     float64      `json:"threshold"`
	Config        Config       `json:"config"`
	Training      *History     `json:"training,omitempty"`
	// DetectorMembers is the number of the anomaly detector's extra
	// members, model directories detector/1, detector/2, ... (detector.go).
	DetectorMembers int `json:"detector_members,omitempty"`
	// Columns names the input columns (Model.Columns), Fill the values
	// standing for missing ones (Model.Fill).
	Columns []string  `json:"columns,omitempty"`
	Fill    []float32 `json:"missing_fill,omitempty"`
	// NeighbourRows is the number of training rows in each of the
	// anomaly score's samples (neighbours.go; 0: none), tensor
	// neighbours.rows, scaled by neighbours.shift and .scale of kind
	// NeighbourNormalize.
	NeighbourRows      int       `json:"neighbour_rows,omitempty"`
	NeighbourNormalize Normalize `json:"neighbour_normalize,omitempty"`
	// NeighbourBlend standardises the two views' logarithms: mean and
	// standard deviation of the reconstruction scores', then of the
	// neighbour distances', over the training rows.
	NeighbourBlend []float64 `json:"neighbour_blend,omitempty"`
}

// detectorDir is the directory of member i (1-based) of the detector of
// the model in dir.
func detectorDir(dir string, i int) string {
	return filepath.Join(dir, DetectorDir, strconv.Itoa(i))
}

// Save writes the model directory dir (config.json + model.safetensors,
// and the anomaly detector's members under detector/) atomically: a crash
// mid-save leaves the previous directory intact.
func (m *Model) Save(dir string) error {
	err := safefile.WriteDir(dir, func(tmp string) error {
		if err := m.writeFiles(tmp); err != nil {
			return err
		}
		for i, mem := range m.detector {
			sub := detectorDir(tmp, i+1)
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
			if err := mem.writeFiles(sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	return nil
}

// writeFiles writes the model's config.json and model.safetensors into the
// existing directory dir.
func (m *Model) writeFiles(dir string) error {
	n := m.net
	sp := n.Spec()
	out := "linear"
	if sp.Loss == nn.BCE {
		out = "sigmoid"
	}
	norm := NormalizeNone
	if m.Norm != nil {
		norm = m.Norm.Kind
	}
	if !isFinite(m.Threshold) {
		return fmt.Errorf("anomaly threshold is %g", m.Threshold)
	}
	if err := checkColumns(m.Columns, m.Fill, n.D); err != nil {
		return err
	}
	arch := architecture{Kind: "sae", Inputs: n.D, Hidden: n.H, Activation: activation(sp.Act), Output: out, Tied: sp.Tied, Variational: sp.VAE, Classes: sp.Classes, K: sp.K,
		Outputs: sp.Out, Skip: sp.Skip}
	if sp.Kind.Traits().Code {
		arch.Code = Sparsity(sp.Kind.Name())
	}
	if n.Depth() > 1 {
		arch.Layers = n.Sizes[1:]
	}
	mf := modelFile{
		Format: "sae-model", FormatVersion: formatVersion, SaeVersion: Version,
		Architecture: arch,
		Normalize:    norm, Threshold: m.Threshold, Config: m.Config, Training: m.History,
		DetectorMembers: len(m.detector),
		Columns:         m.Columns, Fill: m.Fill,
	}
	if m.nb != nil {
		mf.NeighbourRows, mf.NeighbourNormalize, mf.NeighbourBlend = m.nb.per, m.nb.nz.Kind, m.nb.blend[:]
	}
	cfgJSON, err := json.MarshalIndent(mf, "", "  ")
	if err != nil {
		return err
	}
	tensors := map[string]data.Tensor{}
	for _, s := range n.Segments() {
		tensors[s.Name] = data.Tensor{Shape: s.Shape, Data: n.Params[s.Off : s.Off+s.Size()]}
	}
	if m.Norm != nil {
		tensors["norm.shift"] = data.Tensor{Shape: []int{n.D}, Data: m.Norm.Shift}
		tensors["norm.scale"] = data.Tensor{Shape: []int{n.D}, Data: m.Norm.Scale}
	}
	if nb := m.nb; nb != nil {
		tensors["neighbours.rows"] = data.Tensor{Shape: []int{neighbourSets * nb.per, n.D}, Data: nb.raw}
		tensors["neighbours.shift"] = data.Tensor{Shape: []int{n.D}, Data: nb.nz.Shift}
		tensors["neighbours.scale"] = data.Tensor{Shape: []int{n.D}, Data: nb.nz.Scale}
	}
	if m.TargetNorm != nil {
		tensors["target_norm.shift"] = data.Tensor{Shape: []int{n.O}, Data: m.TargetNorm.Shift}
		tensors["target_norm.scale"] = data.Tensor{Shape: []int{n.O}, Data: m.TargetNorm.Scale}
	}
	if err := data.WriteSafetensors(filepath.Join(dir, WeightsFile), tensors, map[string]string{"format": "sae", "format_version": fmt.Sprint(formatVersion)}); err != nil {
		return err
	}
	return safefile.WriteFileIn(dir, ConfigFile, func(w io.Writer) error {
		_, err := w.Write(append(cfgJSON, '\n'))
		return err
	})
}

// Load reads a model directory written by Save. Every inconsistency
// (missing tensor, wrong shape, bad config) is an error naming the file.
func Load(dir string) (*Model, error) {
	m, members, err := loadOne(dir)
	if err != nil {
		return nil, err
	}
	if members < 0 || members > maxEnsemble {
		return nil, fmt.Errorf("%s: detector_members %d is out of range [0, %d]", filepath.Join(dir, ConfigFile), members, maxEnsemble)
	}
	for i := 1; i <= members; i++ {
		sub := detectorDir(dir, i)
		mem, more, err := loadOne(sub)
		if err != nil {
			return nil, err
		}
		if more != 0 || mem.Inputs != m.Inputs {
			return nil, fmt.Errorf("%s: a detector member must have no members of its own and the model's %d inputs", filepath.Join(sub, ConfigFile), m.Inputs)
		}
		m.detector = append(m.detector, mem)
	}
	return m, nil
}

// loadOne reads the model in dir, and the number of its detector's members.
func loadOne(dir string) (*Model, int, error) {
	mf, cfgPath, err := readModelConfig(dir)
	if err != nil {
		return nil, 0, err
	}
	if mf.Format != "sae-model" {
		return nil, 0, fmt.Errorf("%s: format %q is not an sae model", cfgPath, mf.Format)
	}
	if mf.FormatVersion < 1 || mf.FormatVersion > formatVersion {
		return nil, 0, fmt.Errorf("%s: format version %d is not supported (this build reads 1..%d)", cfgPath, mf.FormatVersion, formatVersion)
	}
	a := mf.Architecture
	if a.Kind != "sae" {
		return nil, 0, fmt.Errorf("%s: architecture kind %q is not supported", cfgPath, a.Kind)
	}
	if err := a.checkSizes(); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", cfgPath, err)
	}
	cfg := mf.Config
	cfg.Hidden, cfg.Activation, cfg.Tied, cfg.Variational = a.Hidden, a.Activation, a.Tied, a.Variational
	cfg.Out, cfg.Skip = a.Outputs, a.Skip
	cfg.Layers = nil
	if len(a.Layers) > 0 {
		cfg.Layers = append([]int(nil), a.Layers...)
	}
	switch a.Output {
	case "linear":
		cfg.Loss = MSE
	case "sigmoid":
		cfg.Loss = BCE
	default:
		return nil, 0, fmt.Errorf("%s: output %q is not linear or sigmoid", cfgPath, a.Output)
	}
	if a.Code != "" || cfg.kind() != nil && cfg.kind().Traits().Code {
		if err := a.checkCode(cfg); err != nil {
			return nil, 0, fmt.Errorf("%s: %v", cfgPath, err)
		}
		cfg.Sparsity, cfg.K = a.Code, a.K
	}
	if err := cfg.Validate(); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", cfgPath, err)
	}
	if math.IsNaN(mf.Threshold) {
		return nil, 0, fmt.Errorf("%s: threshold is not a number", cfgPath)
	}
	// Every size is checked against config.json and the weights file's
	// size before the network is allocated.
	spec := cfg.netSpec(a.Inputs)
	spec.Classes = a.Classes
	normalized := mf.Normalize != NormalizeNone && mf.Normalize != ""
	want, values, err := modelTensors(cfgPath, spec, normalized)
	if err != nil {
		return nil, 0, err
	}
	if err := mf.wantNeighbours(cfgPath, want, &values, a.Inputs); err != nil {
		return nil, 0, err
	}
	wPath := filepath.Join(dir, WeightsFile)
	tensors, err := readModelWeights(wPath, want, values, a.Tied)
	if err != nil {
		return nil, 0, err
	}
	n := nn.New[float32](spec)
	for _, s := range n.Segments() {
		copy(n.Params[s.Off:], tensors[s.Name].Data)
	}
	for i, v := range n.Params {
		if !isFinite(float64(v)) {
			return nil, 0, fmt.Errorf("%s: parameter %d is %g", wPath, i, v)
		}
	}
	nz, err := modelNormalizer(wPath, mf.Normalize, tensors, "norm")
	if err != nil {
		return nil, 0, err
	}
	cfg.Normalize = mf.Normalize
	m := newModel(cfg, a.Inputs, n, nz)
	if a.Outputs > 0 {
		if m.TargetNorm, err = modelNormalizer(wPath, mf.Normalize, tensors, "target_norm"); err != nil {
			return nil, 0, err
		}
	}
	m.Threshold = mf.Threshold
	m.History = mf.Training
	if err := checkColumns(mf.Columns, mf.Fill, a.Inputs); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", cfgPath, err)
	}
	m.Columns, m.Fill = mf.Columns, mf.Fill
	if m.nb, err = mf.loadNeighbours(wPath, tensors, a.Inputs); err != nil {
		return nil, 0, err
	}
	return m, mf.DetectorMembers, nil
}

// checkColumns checks a model's column names and missing-value fills
// against its inputs.
func checkColumns(names []string, fill []float32, inputs int) error {
	if names != nil && len(names) != inputs {
		return fmt.Errorf("columns: %d names for %d inputs", len(names), inputs)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("columns: %q twice", n)
		}
		seen[n] = true
	}
	if fill != nil && len(fill) != inputs {
		return fmt.Errorf("missing_fill: %d values for %d inputs", len(fill), inputs)
	}
	for i, v := range fill {
		if !isFinite(float64(v)) {
			return fmt.Errorf("missing_fill: value %d is %g", i, v)
		}
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkSizes checks the widths, depth, classes and outputs an
// architecture names before anything is allocated by them.
func (a architecture) checkSizes() error {
	sizes := []int{a.Inputs, a.Hidden}
	if len(a.Layers) > 0 {
		sizes = append([]int{a.Inputs}, a.Layers...)
		if a.Layers[len(a.Layers)-1] != a.Hidden {
			return fmt.Errorf("layers %v do not end with hidden %d", a.Layers, a.Hidden)
		}
	}
	for _, s := range sizes {
		if s < 1 || s > 1<<24 {
			return fmt.Errorf("architecture widths %v are out of range", sizes)
		}
	}
	if len(sizes) > 64 {
		return fmt.Errorf("architecture %v is too deep", sizes)
	}
	if a.Classes < 0 || a.Classes > 1<<16 {
		return fmt.Errorf("%d classes is out of range", a.Classes)
	}
	if a.Outputs < 0 || a.Outputs > 1<<24 {
		return fmt.Errorf("outputs %d is out of range", a.Outputs)
	}
	return nil
}

// checkCode checks the architecture's code (a kind with its own code,
// Traits.Code) against the rest of it and the config cfg read with it.
func (a architecture) checkCode(cfg Config) error {
	k := nn.Lookup(string(a.Code))
	hasCode := func(k nn.Kind) bool { return k.Traits().Code }
	switch {
	case a.Code == "":
		return fmt.Errorf("config sparsity %s needs the architecture's code %s", cfg.Sparsity, cfg.Sparsity)
	case k == nil || !hasCode(k):
		return fmt.Errorf("code %q is not %s", a.Code, nn.Names(hasCode))
	case len(a.Layers) > 0 || a.Tied || a.Variational || a.Activation != ReLU || cfg.Loss != MSE:
		return fmt.Errorf("a %s code needs a one-layer untied relu model with a linear output", a.Code)
	case !k.Traits().K && a.K != 0:
		return fmt.Errorf("k %d: a %s code has no k", a.K, a.Code)
	case k.Traits().K && (a.K < 1 || a.K > a.Hidden):
		return fmt.Errorf("k %d is out of range [1, %d]", a.K, a.Hidden)
	}
	return nil
}
