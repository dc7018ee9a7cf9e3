package interop

// SAELens SAE directories: cfg.json and sae_weights.safetensors.
//
// Encoding, as SAELens computes it (architecture in cfg.json):
//
//	x'  = x - b_dec * apply_b_dec_to_input
//	pre = x'·W_enc + b_enc
//	standard: codes = relu(pre)
//	topk:     the k largest entries of pre, through relu; the rest 0
//	jumprelu: codes = relu(pre) where pre > threshold, else 0
//	gated:    pre = x'·W_enc + b_gate (no b_enc), and codes =
//	          relu(x'·(W_enc·exp(r_mag)) + b_mag) where pre > 0, else 0
//	x̂ = codes·W_dec + b_dec
//
// A transcoder (architectures transcoder, skip_transcoder,
// jumprelu_transcoder, jumprelu_skip_transcoder) reads x as it is and
// predicts a target of d_out columns: ŷ = codes·W_dec + b_dec (+
// x·W_skip^T for the skip ones, W_skip [d_out, d_in]), codes relu(pre)
// or jumprelu's.
//
// cfg.json keys written: architecture, d_in, d_sae, dtype, device,
// apply_b_dec_to_input, normalize_activations, reshape_activations,
// activation_fn, activation_fn_kwargs, finetuning_scaling_factor,
// l1_coefficient (a model trained with L1), and the descriptive keys older SAELens releases require (model_name,
// hook_name, ...), empty. Keys read: those that change the arithmetic
// above; pre-6.0 spellings (activation_fn_str, activation_fn_kwargs.k,
// a boolean normalize_activations) too.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/safefile"
)

// Files of a SAELens SAE directory.
const (
	SAELensConfigFile  = "cfg.json"
	SAELensWeightsFile = "sae_weights.safetensors"
)

// saelensCfg is the cfg.json ExportSAELens writes. Field order is the
// file's key order.
type saelensCfg struct {
	Architecture            string         `json:"architecture"`
	DIn                     int            `json:"d_in"`
	DSae                    int            `json:"d_sae"`
	DOut                    int            `json:"d_out,omitempty"`
	Dtype                   string         `json:"dtype"`
	Device                  string         `json:"device"`
	ApplyBDecToInput        bool           `json:"apply_b_dec_to_input"`
	NormalizeActivations    string         `json:"normalize_activations"`
	ReshapeActivations      string         `json:"reshape_activations"`
	ActivationFn            string         `json:"activation_fn"`
	ActivationFnKwargs      map[string]any `json:"activation_fn_kwargs"`
	K                       int            `json:"k,omitempty"`
	FinetuningScalingFactor bool           `json:"finetuning_scaling_factor"`
	// Descriptive keys SAELens releases before 6.0 require; the model's
	// data source is not a language model hook, so they are empty.
	ModelName              string  `json:"model_name"`
	HookName               string  `json:"hook_name"`
	HookLayer              int     `json:"hook_layer"`
	HookHeadIndex          *int    `json:"hook_head_index"`
	ContextSize            *int    `json:"context_size"`
	DatasetPath            *string `json:"dataset_path"`
	DatasetTrustRemoteCode bool    `json:"dataset_trust_remote_code"`
	PrependBos             bool    `json:"prepend_bos"`
	SaeLensTrainingVersion *string `json:"sae_lens_training_version"`
	// L1Coefficient is the training penalty's (SAELens's training key);
	// kept so that an import knows it.
	L1Coefficient float64 `json:"l1_coefficient,omitempty"`
	// L0Coefficient and JumpReLUBandwidth are a jumprelu model's L0
	// coefficient and straight-through bandwidth (SAELens's JumpReLU
	// training keys).
	L0Coefficient     float64 `json:"l0_coefficient,omitempty"`
	JumpReLUBandwidth float64 `json:"jumprelu_bandwidth,omitempty"`
	// MatryoshkaWidths are a matryoshka model's nested widths (SAELens's
	// Matryoshka training key; SAELens saves those SAEs as jumprelu too).
	MatryoshkaWidths []int `json:"matryoshka_widths,omitempty"`
	// Provenance, ignored by SAELens.
	ExportedBy          string `json:"exported_by"`
	FoldedNormalization string `json:"folded_normalization"`
}

// SAELensArchitecture is the SAELens architecture m exports as
// ("standard" for a one-layer relu model, "topk" for topk, "jumprelu" for
// jumprelu and for batchtopk and matryoshka, whose inference rule it is,
// "gated" for gated), or an error saying why SAELens
// cannot express m (sigmoid or tanh latents, deep, variational, a sigmoid
// output).
func SAELensArchitecture(m *sae.Model) (string, error) {
	l, err := saelensForm(m)
	if err != nil {
		return "", err
	}
	return saelensArch(l), nil
}

// saelensForm is m's raw-input form, or why SAELens cannot express m: a
// transcoder's code must be relu (standard) or jumprelu's (batchtopk and
// matryoshka's too), SAELens's transcoders'.
func saelensForm(m *sae.Model) (*linear, error) {
	l, err := fromModel(m, "SAELens")
	if err != nil {
		return nil, err
	}
	if l.transcoder && l.latent != latentReLU && l.latent != latentJumpReLU {
		return nil, fmt.Errorf("SAELens cannot express %v: its transcoders' codes are relu or jumprelu, not %s", m, l.latent)
	}
	return l, nil
}

func saelensArch(l *linear) string {
	arch := string(l.latent)
	if l.latent == latentReLU {
		arch = "standard"
	}
	if !l.transcoder {
		return arch
	}
	arch = "transcoder"
	if l.wSkip != nil {
		arch = "skip_transcoder"
	}
	if l.latent == latentJumpReLU {
		arch = "jumprelu_" + arch
	}
	return arch
}

// ExportSAELens writes m as the SAELens SAE directory dir (cfg.json and
// sae_weights.safetensors, float32), replacing dir atomically. m's input
// normalisation is folded into the weights (see fromModel), so that
// SAELens's encode of raw input gives m's codes and its decode gives
// reconstructions in input units. apply_b_dec_to_input is true for the
// dictionaries (topk, batchtopk, jumprelu, matryoshka, gated), whose
// encoder reads the input centred by b_dec as SAELens's does, false for
// the others, whose encoder reads it as it is.
// A classification head, if m has one, is not exported.
func ExportSAELens(m *sae.Model, dir string) error {
	l, err := saelensForm(m)
	if err != nil {
		return err
	}
	folded := string(sae.NormalizeNone)
	if m.Norm != nil {
		folded = string(m.Norm.Kind)
	}
	cfg := saelensCfg{
		Architecture: saelensArch(l), DIn: l.d, DSae: l.h, Dtype: "float32", Device: "cpu",
		ApplyBDecToInput: l.centred, NormalizeActivations: "none", ReshapeActivations: "none",
		ActivationFn: "relu", ActivationFnKwargs: map[string]any{},
		L1Coefficient: l.l1, L0Coefficient: l.l0, JumpReLUBandwidth: l.bandwidth, ExportedBy: "sae " + sae.Version, FoldedNormalization: folded,
	}
	tensors := map[string]data.Tensor{
		"W_enc": {Shape: []int{l.d, l.h}, Data: l.wEnc},
		"b_enc": {Shape: []int{l.h}, Data: l.bEnc},
		"W_dec": {Shape: []int{l.h, l.o}, Data: l.wDec},
		"b_dec": {Shape: []int{l.o}, Data: l.bDec},
	}
	if l.transcoder {
		cfg.DOut = l.o
		if l.wSkip != nil {
			tensors["W_skip"] = data.Tensor{Shape: []int{l.o, l.d}, Data: transpose(l.wSkip, l.d, l.o)}
		}
	}
	switch l.latent {
	case latentTopK:
		cfg.K = l.k
		cfg.ActivationFn = "topk"
		cfg.ActivationFnKwargs = map[string]any{"k": l.k}
	case latentJumpReLU:
		cfg.K = l.k // BatchTopK's k, for an import to know; SAELens ignores it
		cfg.MatryoshkaWidths = l.groups
		tensors["threshold"] = data.Tensor{Shape: []int{l.h}, Data: l.threshold}
	case latentGated:
		// SAELens's gated SAE has b_gate where the others have b_enc.
		tensors["b_gate"] = tensors["b_enc"]
		delete(tensors, "b_enc")
		tensors["r_mag"] = data.Tensor{Shape: []int{l.h}, Data: l.rMag}
		tensors["b_mag"] = data.Tensor{Shape: []int{l.h}, Data: l.bMag}
	}
	js, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	err = safefile.WriteDir(dir, func(tmp string) error {
		if err := data.WriteSafetensors(filepath.Join(tmp, SAELensWeightsFile), tensors, map[string]string{"format": "pt"}); err != nil {
			return err
		}
		return safefile.WriteFileIn(tmp, SAELensConfigFile, func(w io.Writer) error {
			_, err := w.Write(append(js, '\n'))
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("export %s: %w", dir, err)
	}
	return nil
}

// ImportSAELens reads the SAELens SAE directory dir as an sae model
// (architecture standard as relu latents with l1 sparsity, topk as topk,
// jumprelu as jumprelu, or as batchtopk, whose inference rule is
// JumpReLU's, when cfg.json has a k (an sae export of one), as matryoshka
// when it has matryoshka_widths too, gated as gated; no input
// normalisation; anomaly threshold 0). apply_b_dec_to_input is folded
// into b_enc where the model's encoder reads the input as it is (relu
// models) or unfolded where it reads it centred (topk, batchtopk), and a
// finetuning scaling factor is folded into W_dec, so the model's codes and
// reconstructions are SAELens's. Architectures, activation functions and input
// normalisations sae cannot reproduce are refused with an error naming
// the file and key.
func ImportSAELens(dir string) (*sae.Model, error) {
	l, err := readSAELens(dir)
	if err != nil {
		return nil, err
	}
	m, err := l.model()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, SAELensConfigFile), err)
	}
	return m, nil
}

// readSAELens reads dir into the raw-input form.
func readSAELens(dir string) (*linear, error) {
	c, err := readCfgJSON(dir, SAELensConfigFile, "SAELens SAE")
	if err != nil {
		return nil, err
	}
	arch, err := c.str("architecture", "standard")
	if err != nil {
		return nil, err
	}
	actKey := "activation_fn"
	if _, ok := c.raw(actKey); !ok {
		actKey = "activation_fn_str"
	}
	act, err := c.str(actKey, "relu")
	if err != nil {
		return nil, err
	}
	d, err := c.integer("d_in", 0, true, 1, maxWidth)
	if err != nil {
		return nil, err
	}
	h, err := c.integer("d_sae", 0, true, 1, maxWidth)
	if err != nil {
		return nil, err
	}
	if dt, err := c.str("dtype", "float32"); err != nil {
		return nil, err
	} else if !saelensDtypes[dt] {
		return nil, c.errf("dtype", "%q is not a float type (float32, float64, float16, bfloat16)", dt)
	}
	applyBDec, err := c.boolean("apply_b_dec_to_input", true)
	if err != nil {
		return nil, err
	}
	if err := saelensNormalization(c); err != nil {
		return nil, err
	}
	finetuning, err := c.boolean("finetuning_scaling_factor", false)
	if err != nil {
		return nil, err
	}
	l := &linear{d: d, h: h, o: d, latent: latentReLU}
	if l.l1, err = c.number("l1_coefficient", 0); err != nil {
		return nil, err
	}
	if l.l0, err = c.number("l0_coefficient", 0); err != nil {
		return nil, err
	}
	if l.bandwidth, err = c.number("jumprelu_bandwidth", 0); err != nil {
		return nil, err
	}
	if arch, err = saelensLatent(c, l, arch, act, actKey); err != nil {
		return nil, err
	}
	if l.transcoder {
		if l.o, err = c.integer("d_out", 0, true, 1, maxWidth); err != nil {
			return nil, err
		}
	}
	if err := readSAELensWeights(dir, c, l, arch, finetuning); err != nil {
		return nil, err
	}
	l.centred = applyBDec && !l.transcoder // a transcoder reads x as it is
	return l, nil
}

// saelensLatent sets l's latent from the architecture and, for pre-6.0
// files, the activation function (architecture standard with activation_fn
// topk is TopK); it returns the architecture so read.
func saelensLatent(c *cfgJSON, l *linear, arch, act, actKey string) (string, error) {
	h := l.h
	switch arch {
	case "standard", "topk", "jumprelu", "batchtopk":
	case "transcoder", "skip_transcoder", "jumprelu_transcoder", "jumprelu_skip_transcoder":
		if act != "relu" {
			return "", c.errf(actKey, "%q: a transcoder's codes are relu (or jumprelu's)", act)
		}
		l.transcoder = true
		if strings.HasPrefix(arch, "jumprelu_") {
			l.latent = latentJumpReLU
			return arch, saelensBudget(c, l)
		}
		return arch, nil
	case "gated":
		if act != "relu" {
			return "", c.errf(actKey, "%q: a gated SAE's magnitudes are relu'd", act)
		}
		l.latent = latentGated
		return arch, nil
	default:
		return "", c.errf("architecture", "%q is not one of standard, topk, jumprelu, gated, transcoder, skip_transcoder, jumprelu_transcoder, jumprelu_skip_transcoder", arch)
	}
	switch act {
	case "relu":
	case "topk":
		if arch == "standard" {
			arch = "topk"
		}
	case "tanh-relu":
		return "", c.errf(actKey, "tanh-relu latents have no sae counterpart")
	default:
		return "", c.errf(actKey, "%q is not relu or topk", act)
	}
	switch arch {
	case "topk":
		// 6.0 and later: k; before: activation_fn_kwargs.k.
		k, ok, err := c.nestedInt("activation_fn_kwargs", "k", 1, h)
		if err != nil {
			return "", err
		}
		if _, top := c.raw("k"); top || !ok {
			if k, err = c.integer("k", 0, true, 1, h); err != nil {
				return "", err
			}
		}
		l.latent, l.k = latentTopK, k
	case "jumprelu", "batchtopk":
		// SAELens runs a trained BatchTopK SAE as JumpReLU at its learned
		// threshold. k, when there (an sae export, a BatchTopK training
		// config), is the BatchTopK budget.
		l.latent = latentJumpReLU
		return arch, saelensBudget(c, l)
	}
	return arch, nil
}

// saelensBudget reads a jumprelu SAE's k and matryoshka_widths, when
// there (an sae export of batchtopk or matryoshka, a BatchTopK training
// config): the BatchTopK budget and the Matryoshka widths.
func saelensBudget(c *cfgJSON, l *linear) error {
	h := l.h
	if v, ok := c.raw("k"); ok {
		var f float64
		if json.Unmarshal(v, &f) != nil || !(f >= 1 && f <= float64(h)) {
			return c.errf("k", "want a number in [1, %d], got %s", h, v)
		}
		l.k = int(math.Round(f))
	}
	if v, ok := c.raw("matryoshka_widths"); ok && l.k > 0 {
		if err := json.Unmarshal(v, &l.groups); err != nil || !increasing(l.groups, h) {
			return c.errf("matryoshka_widths", "want increasing widths in [1, %d], got %s", h, v)
		}
	}
	return nil
}

// increasing reports whether v is a strictly increasing list in [1, h].
func increasing(v []int, h int) bool {
	prev := 0
	for _, w := range v {
		if w <= prev || w > h {
			return false
		}
		prev = w
	}
	return len(v) > 0
}

// readSAELensWeights reads the weights of l (architecture arch) from dir's
// tensor file.
func readSAELensWeights(dir string, c *cfgJSON, l *linear, arch string, finetuning bool) error {
	d, h, o := l.d, l.h, l.o
	f, err := readTensorFile(filepath.Join(dir, SAELensWeightsFile))
	if err != nil {
		return err
	}
	if l.wEnc, err = f.get("W_enc", "[d_in, d_sae]", d, h); err != nil {
		return err
	}
	bias := "b_enc"
	if arch == "gated" {
		bias = "b_gate"
	}
	if l.bEnc, err = f.get(bias, "[d_sae]", h); err != nil {
		return err
	}
	out := "d_in"
	if l.transcoder {
		out = "d_out"
	}
	if l.wDec, err = f.get("W_dec", "[d_sae, "+out+"]", h, o); err != nil {
		return err
	}
	if l.bDec, err = f.get("b_dec", "["+out+"]", o); err != nil {
		return err
	}
	if strings.HasSuffix(arch, "skip_transcoder") {
		s, err := f.get("W_skip", "[d_out, d_in]", o, d)
		if err != nil {
			return err
		}
		l.wSkip = transpose(s, o, d)
	}
	switch arch {
	case "gated":
		if l.rMag, err = f.get("r_mag", "[d_sae]", h); err != nil {
			return err
		}
		if l.bMag, err = f.get("b_mag", "[d_sae]", h); err != nil {
			return err
		}
	case "jumprelu", "jumprelu_transcoder", "jumprelu_skip_transcoder":
		if l.threshold, err = f.get("threshold", "[d_sae]", h); err != nil {
			return err
		}
	case "batchtopk":
		t, err := f.get("topk_threshold", "[] (a scalar)")
		if err != nil {
			return err
		}
		l.threshold = make([]float32, h)
		for i := range l.threshold {
			l.threshold[i] = t[0]
		}
	}
	for _, name := range []string{"finetuning_scaling_factor", "scaling_factor"} {
		s, ok, err := f.optional(name, "[d_sae]", h)
		if err != nil {
			return err
		}
		if ok {
			l.scaleDecoderRows(s)
			finetuning = false
		}
	}
	if finetuning {
		return c.errf("finetuning_scaling_factor", "is true but %s has no finetuning_scaling_factor tensor", f.path)
	}
	return f.unused("its role in the SAE is unknown")
}

// saelensDtypes are the dtype values of a cfg.json read.
var saelensDtypes = map[string]bool{
	"float32": true, "float64": true, "float16": true, "bfloat16": true,
	"torch.float32": true, "torch.float64": true, "torch.float16": true, "torch.bfloat16": true,
}

// saelensNormalization accepts normalize_activations none (or absent,
// null, false) and refuses the rest: each rescales the input by something
// the weights do not hold.
func saelensNormalization(c *cfgJSON) error {
	const key = "normalize_activations"
	v, ok := c.raw(key)
	if !ok {
		return nil
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		if b {
			return c.errf(key, "true (expected_average_only_in): the SAE expects its input scaled by a constant these files do not hold; fold it into the weights (SAELens: fold_activation_norm_scaling_factor) and set %s to none", key)
		}
		return nil
	}
	s, err := c.str(key, "none")
	if err != nil {
		return err
	}
	switch s {
	case "none", "":
		return nil
	case "expected_average_only_in":
		return c.errf(key, "%q: the SAE expects its input scaled by a constant these files do not hold; fold it into the weights (SAELens: fold_activation_norm_scaling_factor) and set %s to none", s, key)
	case "constant_norm_rescale", "layer_norm":
		return c.errf(key, "%q rescales every input row by its own norm, which sae's per-feature normalisation cannot express", s)
	}
	return c.errf(key, "%q is not one of none, expected_average_only_in, constant_norm_rescale, layer_norm", s)
}

// transpose returns the cols x rows transpose of the rows x cols matrix a.
func transpose(a []float32, rows, cols int) []float32 {
	t := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			t[j*rows+i] = a[i*cols+j]
		}
	}
	return t
}
