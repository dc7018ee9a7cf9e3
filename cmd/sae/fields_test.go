package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/nn"
)

// configDocs returns the doc comment of every field of sae.Config (the
// comment above it and the one after it), read from config.go.
func configDocs(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../config.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Config" {
			return true
		}
		for _, fl := range ts.Type.(*ast.StructType).Fields.List {
			for _, name := range fl.Names {
				docs[name.Name] = strings.Join(strings.Fields(fl.Doc.Text()+" "+fl.Comment.Text()), " ")
			}
		}
		return false
	})
	return docs
}

var defaultRe = regexp.MustCompile(`Default ("[^"]*"|[-0-9.eE+]*[0-9]|[A-Za-z][A-Za-z0-9]*)`)

// Every Config field has one row of sae train's flags, in the struct's
// order; every field's doc states its default, and the default it states is
// DefaultConfig's (or, for a zero value that stands for a default the
// help shows, the doc gives what Resolve makes of it); every field a sparsity kind uses has
// a flag. A field added without a row, or a default changed in one place
// and not the other, fails here.
func TestConfigFlagsMatchConfig(t *testing.T) {
	ct := reflect.TypeOf(sae.Config{})
	if len(configFlags) != ct.NumField() {
		t.Errorf("%d rows for %d Config fields", len(configFlags), ct.NumField())
	}
	docs := configDocs(t)
	def := reflect.ValueOf(sae.DefaultConfig())
	resolved := reflect.ValueOf(sae.DefaultConfig().Resolve(100, 1000))
	for i := 0; i < min(len(configFlags), ct.NumField()); i++ {
		r, field := configFlags[i], ct.Field(i).Name
		if r.field != field {
			t.Errorf("row %d is %s, Config's field %d is %s", i, r.field, i, field)
			continue
		}
		m := defaultRe.FindStringSubmatch(docs[field])
		if m == nil {
			t.Errorf("%s: the doc %q states no default", field, docs[field])
			continue
		}
		v := def.Field(i)
		if got, want := m[1], fmt.Sprint(v.Interface()); !sameDefault(got, want, v) {
			t.Errorf("%s: the doc says Default %s, DefaultConfig has %s", field, got, want)
		}
		if r.resolved {
			got := resolved.Field(i).String()
			if v.String() != "" || !strings.Contains(docs[field], got) {
				t.Errorf("%s: the help shows Resolve's default %s, which the doc %q does not give, or DefaultConfig has %v", field, got, docs[field], v)
			}
		}
	}
	for _, k := range nn.Kinds() {
		for _, f := range k.Fields() {
			if flagOf(f) == f {
				t.Errorf("kind %s: field %s has no flag", k.Name(), f)
			}
		}
	}
}

// sameDefault reports whether the doc's default got is the value want.
func sameDefault(got, want string, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Float64, reflect.Int, reflect.Uint64:
		g, err1 := strconv.ParseFloat(got, 64)
		w, err2 := strconv.ParseFloat(want, 64)
		return err1 == nil && err2 == nil && g == w
	case reflect.String:
		return strings.Trim(got, `"`) == want
	case reflect.Slice:
		return got == "nil" && v.IsNil()
	}
	return got == want
}

// The flags' defaults are DefaultConfig's, or the rows' shown defaults;
// every flag sets its field.
func TestConfigFlagsBind(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cfg sae.Config
	bindConfig(fs, &cfg)
	set := map[string]string{"hidden": "7", "layers": "5,3", "activation": "tanh", "l1": "0.5", "tied": "true",
		"noise": "mask:0.1", "seed": "9", "decay": "linear", "clip": "2"}
	var args []string
	for k, v := range set {
		args = append(args, "--"+k+"="+v)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if cfg.Hidden != 7 || len(cfg.Layers) != 2 || cfg.Activation != sae.Tanh || cfg.L1 != 0.5 || !cfg.Tied ||
		cfg.Noise != "mask:0.1" || cfg.Seed != 9 || cfg.Decay != sae.Linear || cfg.ClipNorm != 2 {
		t.Fatalf("flags did not reach the config: %+v", cfg)
	}
	if flagNames("lower Config.LR or set Config.ClipNorm; Config.LBFGSMemory; TrainOptions.Labels") != "lower --lr or set --clip; Config.LBFGSMemory; --labels" {
		t.Fatal(flagNames("lower Config.LR or set Config.ClipNorm"))
	}
}

// The --sparsity help names every kind, and a flag that some kinds use
// and others not begins with those kinds ("topk/batchtopk: ...", the
// command refuses the flag for the others), taken from the table: no row
// writes a list of kinds itself.
func TestSparsityHelpNamesTheKinds(t *testing.T) {
	row := map[string]configFlag{}
	for _, r := range configFlags {
		row[r.field] = r
	}
	for _, k := range nn.Kinds() {
		if !regexp.MustCompile(`\b` + k.Name() + ` \(`).MatchString(usageOf(row["Sparsity"])) {
			t.Errorf("the --sparsity help does not name %s", k.Name())
		}
	}
	prefix := regexp.MustCompile(`^([a-z0-9]+(/[a-z0-9]+)*): `)
	for field, r := range row {
		if m := prefix.FindStringSubmatch(r.usage); m != nil && nn.Lookup(strings.Split(m[1], "/")[0]) != nil {
			t.Errorf("%s: the row names the kinds %s itself", flagOf(field), m[1])
		}
		if r.flag == "" {
			continue
		}
		var uses []string
		for _, k := range nn.Kinds() {
			if contains(k.Fields(), field) {
				uses = append(uses, k.Name())
			}
		}
		m := prefix.FindStringSubmatch(usageOf(r))
		switch {
		case len(uses) == 0 || len(uses) == len(nn.Kinds()):
			if m != nil && nn.Lookup(strings.Split(m[1], "/")[0]) != nil {
				t.Errorf("%s: the help names kinds %s, every kind or none uses it", flagOf(field), m[1])
			}
		case m == nil || m[1] != strings.Join(uses, "/"):
			t.Errorf("%s: the help %q does not begin with the kinds that use it, %s", flagOf(field), usageOf(r), strings.Join(uses, "/"))
		}
	}
}

// The help of the flags whose default depends on the kind names every kind
// that gets the dictionary's default (a unit-norm decoder, the geometric
// median, Adam's step 3e-3): it named topk and batchtopk, not jumprelu.
func TestDictionaryDefaultsHelp(t *testing.T) {
	usage := map[string]string{}
	for _, r := range configFlags {
		usage[r.flag] = usageOf(r)
	}
	for _, kind := range []sae.Sparsity{sae.SparsityTopK, sae.SparsityBatchTopK, sae.SparsityMatryoshka, sae.SparsityGated, sae.SparsityJumpReLU, sae.SparsityL1} {
		c := sae.DefaultConfig()
		c.Sparsity = kind
		r := c.Resolve(100, 1000)
		dict := r.DecoderNorm == sae.DecoderUnit
		if dict != (r.DecoderBiasInit == sae.BiasMedian) || dict != (r.LR == 3e-3) {
			t.Fatalf("%s: decoder %s, bias %s, lr %g: not all the dictionary's defaults or none", kind, r.DecoderNorm, r.DecoderBiasInit, r.LR)
		}
		for _, f := range []string{"decoder-norm", "decoder-bias-init", "lr"} {
			if got := strings.Contains(usage[f], string(kind)); got != dict {
				t.Errorf("--%s's help names %s: %v, but %s gets the dictionary's defaults: %v", f, kind, got, kind, dict)
			}
		}
	}
}

// TestAutoIsNoContradiction: --normalize auto, the default said out loud,
// is accepted for every kind (it was refused for the dictionaries, whose
// auto resolves by the data's width: "--sparsity topk uses global"),
// while a value a kind fixes otherwise is still refused.
func TestAutoIsNoContradiction(t *testing.T) {
	for _, kind := range []string{"topk", "batchtopk", "jumprelu", "matryoshka", "gated", "kl"} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg := sae.DefaultConfig()
		bindConfig(fs, &cfg)
		if err := fs.Parse([]string{"--sparsity", kind, "--normalize", "auto", "--precision", "auto"}); err != nil {
			t.Fatal(err)
		}
		if err := checkConfig(fs, cfg); err != nil {
			t.Errorf("--sparsity %s --normalize auto: %v", kind, err)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := sae.DefaultConfig()
	bindConfig(fs, &cfg)
	if err := fs.Parse([]string{"--sparsity", "topk", "--activation", "sigmoid"}); err != nil {
		t.Fatal(err)
	}
	if err := checkConfig(fs, cfg); err == nil {
		t.Error("--sparsity topk --activation sigmoid was accepted: topk fixes relu")
	}
}
