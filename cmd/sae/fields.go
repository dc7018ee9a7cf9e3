package main

import (
	"flag"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/nn"
)

// configFlag is sae train's flag for one sae.Config field: its name and
// help text, and whether the help shows, for a field whose zero value
// Config.Resolve turns into a default, what Resolve makes of it (the
// default of the other fields is DefaultConfig's). The field's contract is
// its doc in config.go; fields_test.go keeps the two in step.
type configFlag struct {
	field, flag, usage string
	resolved           bool
}

// configFlags is one row per sae.Config field, in the struct's order.
var configFlags = []configFlag{
	{"Hidden", "hidden", "`N` latents of a one-layer model (default: from the input width d: d/2, within [32, 1024] for d >= 64; 2d for a {dictionaries} dictionary of fewer than 64 columns; d, at most 1024, for a denoiser's dense code)", false},
	{"Layers", "layers", "deep model: encoder `widths` down to the code, e.g. 512,128 (the decoder mirrors them; default with --stacked: the --hidden default, then half of it; with --labels as well, 2d then d below 64 columns, and no layer narrower than the classes)", false},
	{"Activation", "activation", "hidden `activation`: relu, sigmoid or tanh (default relu; sigmoid with kl, l1 or none, unless --target-l0)", false},
	{"Sparsity", "sparsity", "`kind` of sparsity: {kinds} (default topk; kl for what topk cannot train: --layers, --stacked, --tied, --loss bce, --optimizer lbfgs, --contractive, --activation sigmoid or tanh, --target-l0; none with --variational or --noise)", false},
	{"L1", "l1", "`coef`ficient of the L1 penalty on activations", false},
	{"L1Weight", "l1-weight", "weigh each latent's L1 term by its decoder row's norm (`decoder`) or not (none) (default decoder for untied models, none for tied)", false},
	{"L0Coef", "l0-coef", "`coef`ficient of the L0 penalty, the mean active latents per row (default 0.001 * input width)", false},
	{"Bandwidth", "bandwidth", "bandwidth `eps` of the thresholds' straight-through estimator (default 0.001)", false},
	{"TargetL0", "target-l0", "tune the penalty during training so that `N` latents per row are active on average: --l1, kl's --rho or --l0-coef, starting from its value; l1 and kl then default to --activation relu (0: off)", false},
	{"Rho", "rho", "KL target mean activation `R`", false},
	{"Beta", "beta", "KL penalty weight `B`", false},
	{"K", "k", "`N` active latents per row (default min(32, hidden/4))", false},
	{"Groups", "groups", "nested dictionary `widths`, e.g. 64,256,1024: each prefix of the latents is trained to reconstruct alone (--hidden is appended; default hidden/64, hidden/16, hidden/4 where >= --k, then hidden)", false},
	{"GroupWeight", "group-weight", "`weight` of each inner --groups level's reconstruction loss, the whole dictionary's being 1 (default 0.5; 1 is the published sum)", false},
	{"AuxK", "aux-k", "dead latents (`N` per row) that reconstruct the residual in the AuxK loss (default d/2)", false},
	{"AuxCoef", "aux-coef", "`coef`ficient of the AuxK loss (0: off)", false},
	{"DeadWindow", "dead-window", "a latent is dead after `N` training samples without firing (default min(10M, max(training rows, 16 batches)))", false},
	{"Resample", "resample", "restart dead latents every dead window at the residuals of poorly reconstructed rows, encoder columns at `S` times the live latents' mean norm (0: off)", false},
	{"DecoderNorm", "decoder-norm", "decoder rows: `unit` norm or free (default unit for {dictionaries}, free otherwise)", false},
	{"DecoderBiasInit", "decoder-bias-init", "decoder bias starts at the geometric `median` of a sample or the mean (default median for {dictionaries}, mean otherwise)", false},
	{"WeightDecay", "weight-decay", "`lambda` of lambda/2*||W||^2 on the weights", false},
	{"Variational", "variational", "variational autoencoder: Gaussian code (mean, log-variance), KL to N(0, I); implies --sparsity none", false},
	{"Stacked", "stacked", "greedy layer-wise pre-training of a deep model (--layers), then joint fine-tuning (--finetune-epochs, default --epochs)", false},
	{"SupervisedEpochs", "supervised-epochs", "`N` epochs of supervised training with --labels (default: until the validation loss converges; 20 with --epochs)", false},
	{"KeepPretrained", "keep-pretrained", "with --stacked --labels: keep the pre-trained network (default: also train the same widths from random initialisation, and keep the one of lower validation cross-entropy)", false},
	{"Contractive", "contractive", "contractive penalty `coef`ficient on the encoder Jacobian's squared Frobenius norm", false},
	{"Trim", "trim", "leave the `fraction` of each batch's worst-reconstructed rows out of the loss (robust to anomalies in the training data; 0: off)", false},
	{"Loss", "loss", "reconstruction `loss`: mse (linear output) or bce (sigmoid output, data in [0,1])", false},
	{"Tied", "tied", "tie the decoder to the encoder (W_dec = W_enc^T)", false},
	{"Noise", "noise", "denoising: corrupt each batch with `noise` gaussian:S (standard deviation S in the data's units), mask:P (a share P of the values set to 0) or saltpepper:P (to their column's minimum or maximum) and learn to undo it; a denoiser's code is dense unless --sparsity says otherwise", false},
	{"Out", "", "", false}, // set from --target's width
	{"Skip", "skip", "transcoder (--target): add a linear skip from the input to the target, trained with the code", false},
	{"Optimizer", "optimizer", "`optimizer`: adam, sgd (with momentum) or lbfgs (full batch)", false},
	{"LR", "lr", "peak learning `rate` (default 1e-3 adam; with {dictionaries} 3e-3, times sqrt(1024/hidden) above 1024 latents; 0.1 sgd)", false},
	{"Momentum", "momentum", "sgd `momentum`", false},
	{"Batch", "batch", "mini-batch `size`", false},
	{"Epochs", "epochs", "`N` epochs of sparse training, on the cosine schedule (default: until the validation loss converges, within about 30000 steps, 90000 where a step is cheap: see --decay; lbfgs: iterations, default 400; -1: none, e.g. a classifier from random initialisation with --labels)", false},
	{"FinetuneEpochs", "finetune-epochs", "`N` reconstruction-only epochs after sparse training (-1: none; default none, --epochs with --stacked)", false},
	{"Warmup", "warmup", "`fraction` of steps for linear learning-rate warm-up", false},
	{"Decay", "decay", "learning-rate `schedule` after warm-up: plateau (divided by 10 on each plateau of the validation loss, going on from the best weights; the third ends training), cosine, linear or none (default plateau; cosine when --epochs (but -1), --optimizer lbfgs or --target-l0 is given)", false},
	{"ClipNorm", "clip", "clip the gradient to this global L2 `norm` (0: off)", false},
	{"ValSplit", "val-split", "`fraction` of --data held out for validation and early stopping", false},
	{"Patience", "patience", "`N` epochs without a better validation loss make a plateau (at least 1000 steps, 3000 where a step is cheap, as on a table of a few dozen columns) or, on a fixed schedule, stop training, counted from the last epoch that resampled dead latents (0: off)", false},
	{"LBFGSMemory", "", "", false}, // no flag: the default serves
	{"Normalize", "normalize", "input `scaling` fitted on the training data: auto (global for data of >= 64 columns, robust below; topk, batchtopk, matryoshka, gated: global for >= 64 columns, standard below; jumprelu: none), none, standard, minmax, robust (median/IQR) or global (mean-centred, one scale for all columns)", false},
	{"Seed", "seed", "random `seed`: the same seed and --threads give the same model", false},
	{"Threads", "threads", "`N` cores to use (default: all)", false},
	{"Precision", "precision", "`format` of the training products: fp32, bf16 (bfloat16 operands, float32 sums; weights, gradients and optimiser state stay float32) or auto (bf16 where this CPU multiplies bf16 at least 1.2x faster than fp32, measured at start; else fp32); the model is float32 either way", false},
	{"Contamination", "contamination", "expected anomaly `fraction` in the training data; sets the stored score threshold", false},
	{"Ensemble", "ensemble", "anomaly scores: the geometric mean of the reconstruction errors of `K` autoencoders, the model and K-1 more like it (a {dictionaries} dictionary, a classifier trained with --labels or a denoiser trained with --noise: K dense autoencoders trained beside it) (default 3)", false},
	{"Neighbours", "neighbours", "anomaly scores also weigh each row's distance to its nearest training rows, in 10 samples of `N` training rows saved with the model (-1: none, reconstruction errors alone) (default 256)", false},
}

// bindConfig defines a flag on fs for every field of *cfg, bound to it,
// with *cfg's values as the defaults.
func bindConfig(fs *flag.FlagSet, cfg *sae.Config) {
	v := reflect.ValueOf(cfg).Elem()
	resolved := reflect.ValueOf(cfg.Resolve(0, 0))
	for _, r := range configFlags {
		if r.flag == "" {
			continue
		}
		usage := usageOf(r)
		switch p := v.FieldByName(r.field).Addr().Interface().(type) {
		case *int:
			fs.IntVar(p, r.flag, *p, usage)
		case *uint64:
			fs.Uint64Var(p, r.flag, *p, usage)
		case *float64:
			fs.Float64Var(p, r.flag, *p, usage)
		case *bool:
			fs.BoolVar(p, r.flag, *p, usage)
		case *string:
			fs.StringVar(p, r.flag, *p, usage)
		case *[]int:
			fs.Func(r.flag, usage, func(s string) (err error) { *p, err = parseInts(s); return err })
		default: // the enumerations, string types
			fs.Var(textValue{v.FieldByName(r.field)}, r.flag, usage)
		}
		if r.resolved {
			fs.Lookup(r.flag).DefValue = fmt.Sprint(resolved.FieldByName(r.field).Interface())
		}
	}
}

// usageOf is row r's help: its text with {kinds} (each kind and what it
// does) and {dictionaries} (the kinds with their own code) filled in from
// the kinds table, after the kinds that use the field when only some do
// ("topk/batchtopk: ..."), so that a new kind's help needs no edit here.
func usageOf(r configFlag) string {
	u := strings.ReplaceAll(r.usage, "{dictionaries}", nn.Names(func(k nn.Kind) bool { return k.Traits().Code }))
	if strings.Contains(u, "{kinds}") {
		var s []string
		for _, k := range nn.Kinds() {
			s = append(s, k.Name()+" ("+flagNames(k.Summary())+")")
		}
		u = strings.ReplaceAll(u, "{kinds}", strings.Join(s, ", "))
	}
	if users := kindsUsing(r.field); users != "" {
		u = users + ": " + u
	}
	return u
}

// kindsUsing is "a/b/c", the kinds whose Fields list field, when some
// kinds do and others do not ("" otherwise).
func kindsUsing(field string) string {
	var uses []string
	for _, k := range nn.Kinds() {
		if contains(k.Fields(), field) {
			uses = append(uses, k.Name())
		}
	}
	if len(uses) == len(nn.Kinds()) {
		return ""
	}
	return strings.Join(uses, "/")
}

// textValue is a flag bound to a string-typed field.
type textValue struct{ v reflect.Value }

func (t textValue) String() string {
	if !t.v.IsValid() {
		return ""
	}
	return t.v.String()
}
func (t textValue) Set(s string) error { t.v.SetString(s); return nil }

// flagOf names the Config field field as the command line does: its
// flag, or the field itself when it has none.
func flagOf(field string) string {
	for _, r := range configFlags {
		if r.field == field && r.flag != "" {
			return "--" + r.flag
		}
	}
	return field
}

var fieldRef = regexp.MustCompile(`\b(Config|TrainOptions)\.([A-Z][A-Za-z0-9]*)`)

// flagNames rewrites the library's references to Config fields
// (Config.LR) in msg as the flags that set them (--lr).
func flagNames(msg string) string {
	return fieldRef.ReplaceAllStringFunc(msg, func(ref string) string {
		_, field, _ := strings.Cut(ref, ".")
		if ref == "TrainOptions.Labels" {
			return "--labels"
		}
		if f := flagOf(field); f != field {
			return f
		}
		return ref
	})
}

// zeroIsDefault are the Config fields whose zero value stands for a
// default (Config.Resolve fills it in). Given as 0 on the command line,
// the flag would silently mean its default, so it is refused.
var zeroIsDefault = []string{"Hidden", "L0Coef", "Bandwidth", "K", "AuxK", "GroupWeight", "DeadWindow", "SupervisedEpochs", "LR", "Epochs", "Ensemble", "Neighbours"}

// checkConfig refuses, naming the flags, what the flags set on fs make of
// cfg: a flag given as 0 where 0 stands for its default, a flag that the
// sparsity kind does not use, a value the kind fixes
// otherwise, and every setting Config.Validate refuses.
func checkConfig(fs *flag.FlagSet, cfg sae.Config) error {
	r := cfg.Resolve(0, 0)
	kind := nn.Lookup(string(r.Sparsity))
	if kind == nil {
		return usagef("--sparsity %q: want %s", cfg.Sparsity, nn.Names(nil))
	}
	uses := func(field string) func(nn.Kind) bool {
		return func(k nn.Kind) bool { return contains(k.Fields(), field) }
	}
	vc, vr := reflect.ValueOf(cfg), reflect.ValueOf(r)
	for _, row := range configFlags {
		if row.flag == "" || !flagSet(fs, row.flag) {
			continue
		}
		if contains(zeroIsDefault, row.field) && vc.FieldByName(row.field).IsZero() {
			return usagef("--%s 0 would silently mean the default: leave --%s out for the default, or give another value", row.flag, row.flag)
		}
		if nn.Names(uses(row.field)) != "" && !uses(row.field)(kind) {
			return usagef("--%s applies to --sparsity %s", row.flag, nn.Names(uses(row.field)))
		}
		// auto (--normalize, --precision) leaves the choice to the kind
		// and the data: never a contradiction.
		if a, b := vc.FieldByName(row.field), vr.FieldByName(row.field); !reflect.DeepEqual(a.Interface(), b.Interface()) && a.Kind() != reflect.Slice && !isAuto(a) {
			return usagef("--%s %v: --sparsity %s uses %v", row.flag, a.Interface(), r.Sparsity, b.Interface())
		}
	}
	if err := r.Validate(); err != nil {
		var msgs []string
		for _, fe := range err.(sae.ConfigError) {
			msgs = append(msgs, flagOf(fe.Field)+": "+flagNames(fe.Msg))
		}
		return usagef("invalid settings: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// isAuto reports whether v is a setting's "auto" value.
func isAuto(v reflect.Value) bool { return v.Kind() == reflect.String && v.String() == "auto" }

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// fieldValue is the value of the Config field field of c, as a float.
func fieldValue(c sae.Config, field string) float64 {
	v := reflect.ValueOf(c).FieldByName(field)
	if v.CanFloat() {
		return v.Float()
	}
	f, _ := strconv.ParseFloat(fmt.Sprint(v.Interface()), 64)
	return f
}
