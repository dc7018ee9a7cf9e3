package main

// Settings from a file: sae train's (and sae sweep's) --config FILE, a
// JSON object of sae.Config fields by the names a model's config.json
// stores them under "config", and --from-model DIR, the settings a model
// was trained with. Flags given on the command line override either. The
// fields, their names and their checks are sae.Config's (config.go) and
// the flags' table (fields.go): nothing here lists them again.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/sweep"
)

// settingsFlags defines --config and --from-model on fs.
func settingsFlags(fs *flag.FlagSet, config, fromModel *string) {
	fs.StringVar(config, "config", "", `the settings, a JSON `+"`file`"+` of the model flags by the names a model's config.json stores them under "config", e.g. {"sparsity": "topk", "k": 16, "target_l0": 0} (flags given override it)`)
	fs.StringVar(fromModel, "from-model", "", "the settings the model in `DIR` was trained with, read from its config.json (flags given override them; the data is given again)")
}

// fileSettings are the settings of --config or --from-model (nil when
// neither is given), from naming their file for errors, and a note to
// print when the model needs more than its settings to be trained again.
type fileSettings struct {
	s    sweep.Settings
	from string
	note string
}

// readSettings reads the settings of --config path or --from-model dir.
func readSettings(path, dir string) (fileSettings, error) {
	switch {
	case path != "" && dir != "":
		return fileSettings{}, usagef("--config and --from-model exclude each other: give one")
	case path != "":
		return readConfigFile(path)
	case dir != "":
		return readModelSettings(dir)
	}
	return fileSettings{}, nil
}

// readConfigFile reads --config: one JSON object of settings.
func readConfigFile(path string) (fileSettings, error) {
	fs := fileSettings{from: path}
	b, err := os.ReadFile(path)
	if err != nil {
		return fs, err
	}
	var probe struct {
		Format string `json:"format"`
	}
	if json.Unmarshal(b, &probe) == nil && probe.Format == "sae-model" {
		return fs, usagef("--config %s is a model's config.json: give its directory as --from-model %s", path, filepath.Dir(path))
	}
	if err := json.Unmarshal(b, &fs.s); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fs, usagef("--config %s: not JSON (%v, at byte %d): want an object of settings, e.g. {\"sparsity\": \"topk\", \"k\": 16}", path, err, se.Offset)
		}
		return fs, usagef("--config %s: %v", path, err)
	}
	return fs, nil
}

// readModelSettings reads the settings a model directory's config.json
// holds under "config", but those equal to their default (a model stores
// every field; a default setting changes nothing and may not apply to
// the model's kind).
func readModelSettings(dir string) (fileSettings, error) {
	path := filepath.Join(dir, sae.ConfigFile)
	fs := fileSettings{from: path}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return fs, fmt.Errorf("--from-model %s: %v", dir, serr)
		}
		return fs, fmt.Errorf("--from-model %s: no %s: not a model directory (sae train writes one)", dir, sae.ConfigFile)
	}
	if err != nil {
		return fs, err
	}
	var mf struct {
		Format       string          `json:"format"`
		Config       json.RawMessage `json:"config"`
		Architecture struct {
			Classes int `json:"classes"`
		} `json:"architecture"`
		Training struct {
			TargetFrom float64 `json:"target_l0_from"`
		} `json:"training"`
	}
	if err := json.Unmarshal(b, &mf); err != nil || mf.Format != "sae-model" || len(mf.Config) == 0 {
		return fs, fmt.Errorf("%s: not an sae model's config.json (no \"config\" object)", path)
	}
	var all sweep.Settings
	if err := json.Unmarshal(mf.Config, &all); err != nil {
		return fs, fmt.Errorf("%s: \"config\": %v", path, err)
	}
	if all, err = startCoef(all, mf.Training.TargetFrom); err != nil {
		return fs, fmt.Errorf("%s: %v", path, err)
	}
	def, err := json.Marshal(sae.DefaultConfig())
	if err != nil {
		return fs, err
	}
	var defaults sweep.Settings
	if err := json.Unmarshal(def, &defaults); err != nil {
		return fs, err
	}
	for _, st := range all {
		if d := defaults.Get(st.Key); d == nil || !bytes.Equal(d, st.Value) {
			fs.s = append(fs.s, st)
		}
	}
	if mf.Architecture.Classes > 0 {
		fs.note = fmt.Sprintf("%s was trained with --labels (%d classes): give them again for the same run", dir, mf.Architecture.Classes)
	}
	return fs, nil
}

// flagKeys are the config.json names of the model flags given on fs.
func flagKeys(fs *flag.FlagSet) map[string]bool {
	keys := map[string]bool{}
	for _, r := range configFlags {
		if r.flag != "" && flagSet(fs, r.flag) {
			keys[configKey(r.flag)] = true
		}
	}
	return keys
}

// without is s but the settings whose keys are in drop.
func (f fileSettings) without(drop map[string]bool) sweep.Settings {
	var out sweep.Settings
	for _, st := range f.s {
		if !drop[st.Key] {
			out = append(out, st)
		}
	}
	return out
}

// config is the configuration of the settings with the model flags given
// on fs (their values in flags) set over them, checked as flags are
// checked: a setting whose zero stands for a default, one the sparsity
// kind does not use or whose value the kind changes is refused, naming
// the file and the setting. The flags themselves are checkConfig's.
func (f fileSettings) config(fs *flag.FlagSet, flags sae.Config) (sae.Config, error) {
	given := flagKeys(fs)
	s := f.without(given)
	for _, st := range s {
		if field := configFieldOf(st.Key); contains(zeroIsDefault, field) && bytes.Equal(st.Value, []byte("0")) {
			return flags, usagef("%s: %s 0 would silently mean the default: leave %s out for the default, or give another value", f.from, st.Key, st.Key)
		}
	}
	cfg, err := s.Apply(sae.DefaultConfig())
	if err != nil {
		return flags, usagef("%s: %v", f.from, err)
	}
	v, fv := reflect.ValueOf(&cfg).Elem(), reflect.ValueOf(flags)
	for _, r := range configFlags {
		if r.flag != "" && given[configKey(r.flag)] {
			v.FieldByName(r.field).Set(fv.FieldByName(r.field))
		}
	}
	if err := s.CheckKind(cfg); err != nil {
		hint := ""
		if given["sparsity"] {
			hint = " (--sparsity changed the kind these settings were made for: give the ones that apply with --config instead)"
		}
		return flags, usagef("%s: %s%s", f.from, err, hint)
	}
	return cfg, nil
}

// configFieldOf is the Config field of the config.json name key.
func configFieldOf(key string) string {
	t := reflect.TypeFor[sae.Config]()
	for i := range t.NumField() {
		if configKeyOfField(t.Field(i)) == key {
			return t.Field(i).Name
		}
	}
	return ""
}

// configKeyOfField is the config.json name of a Config field.
func configKeyOfField(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// settings sets a.cfg from --config or --from-model, with the flags given
// over it.
func (a *trainArgs) settings(fs *flag.FlagSet, e *env) error {
	f, err := readSettings(a.config, a.fromModel)
	if err != nil || f.s == nil {
		return err
	}
	if a.cfg, err = f.config(fs, a.cfg); err != nil {
		return err
	}
	if a.cfg.Out > 0 && a.target == "" {
		return usagef("%s: a transcoder (out %d): give its --target", f.from, a.cfg.Out)
	}
	if f.note != "" && a.labels == "" {
		fmt.Fprintf(e.stderr, "sae: note: %s\n", f.note)
	}
	return nil
}

// startCoef is the settings of a model trained with target_l0 with the
// coefficient the controller tuned set back to where it started, from,
// as the training history records it (the config holds its last value).
func startCoef(s sweep.Settings, from float64) (sweep.Settings, error) {
	c, err := s.Apply(sae.DefaultConfig())
	if err != nil || c.TargetL0 == 0 || from == 0 {
		return s, err
	}
	field, ok := targetOf(c)
	if !ok {
		return s, nil
	}
	f, _ := reflect.TypeFor[sae.Config]().FieldByName(field)
	v, err := json.Marshal(from)
	if err != nil {
		return s, err
	}
	st, err := sweep.NewSetting(configKeyOfField(f), v)
	if err != nil {
		return s, err
	}
	out := slices.DeleteFunc(slices.Clone(s), func(x sweep.Setting) bool { return x.Key == st.Key })
	return append(out, st), nil
}
