package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/nn"
)

// Spec is a sweep: the data, the settings every trial shares and each
// trial's own. A trial's Config is DefaultConfig with Base, then its
// settings, set on it. A sweep directory keeps its Spec in sweep.json.
type Spec struct {
	Data string `json:"data"`          // the training rows (any file sae train reads)
	Key  string `json:"key,omitempty"` // the array or table column(s) to read (--column)
	// Columns, Drop and IDColumn choose a table's columns (--columns,
	// --drop, --id-column), in Data and Val alike.
	Columns  []string   `json:"columns,omitempty"`
	Drop     []string   `json:"drop,omitempty"`
	IDColumn string     `json:"id_column,omitempty"`
	Val      string     `json:"val,omitempty"` // validation rows (default: Config.ValSplit of Data)
	Base     Settings   `json:"base"`
	Trials   []Settings `json:"trials"`
}

// SpecFile is the name of the Spec in a sweep directory.
const SpecFile = "sweep.json"

// Name is trial i's name, its model directory's in the sweep directory:
// trial-007 (more digits past 1000 trials).
func (s Spec) Name(i int) string {
	return fmt.Sprintf("trial-%0*d", max(3, len(fmt.Sprint(len(s.Trials)-1))), i)
}

// Check checks every trial's Config (Config's errors) and that there is a
// trial and data.
func (s Spec) Check() error {
	if s.Data == "" {
		return errors.New("no data")
	}
	if len(s.Trials) == 0 {
		return errors.New("no trials")
	}
	for i := range s.Trials {
		if _, err := s.Config(i); err != nil {
			return err
		}
	}
	return nil
}

// Config is trial i's configuration, checked as sae train checks its
// flags: each setting must apply to the trial's sparsity kind and keep the
// value it was given once the kind's defaults are filled in, and the
// result must pass Config.Validate. Errors name the trial and the settings
// by their config.json names.
func (s Spec) Config(i int) (sae.Config, error) {
	if i < 0 || i >= len(s.Trials) {
		return sae.Config{}, fmt.Errorf("trial %d of %d", i, len(s.Trials))
	}
	fail := func(format string, a ...any) (sae.Config, error) {
		return sae.Config{}, fmt.Errorf("%s (%s): %s", s.Name(i), s.Trials[i], fmt.Sprintf(format, a...))
	}
	var all Settings
	for _, st := range append(append(Settings{}, s.Base...), s.Trials[i]...) {
		if all.Get(st.Key) != nil {
			return fail("%s is set twice (in the base settings and the trial, or twice in the trial)", st.Key)
		}
		all = append(all, st)
	}
	c, err := all.Apply(sae.DefaultConfig())
	if err != nil {
		return fail("%v", err)
	}
	if err := all.CheckKind(c); err != nil {
		return fail("%v", err)
	}
	if err := c.Resolve(0, 0).Validate(); err != nil {
		var msgs []string
		for _, fe := range err.(sae.ConfigError) {
			msgs = append(msgs, keyOf(fe.Field)+": "+fe.Msg)
		}
		return fail("%s", strings.Join(msgs, "; "))
	}
	return c, nil
}

// Apply returns c with each setting set on it, a Config field by its
// config.json name; an error names the setting.
func (s Settings) Apply(c sae.Config) (sae.Config, error) {
	for _, st := range s {
		if err := json.Unmarshal([]byte(fmt.Sprintf("{%q:%s}", st.Key, st.Value)), &c); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return c, fmt.Errorf("%s %s: want a JSON %s", st.Key, st.Value, te.Type)
			}
			return c, fmt.Errorf("%s %s: %v", st.Key, st.Value, err)
		}
	}
	return c, nil
}

// CheckKind refuses a setting of s that the sparsity kind of c does not
// use, and one whose value the kind's defaults change (sae train's checks
// of its flags); c holds the settings' values.
func (s Settings) CheckKind(c sae.Config) error {
	r := c.Resolve(0, 0)
	kind := nn.Lookup(string(r.Sparsity))
	if kind == nil {
		return fmt.Errorf("sparsity %q: want %s", c.Sparsity, nn.Names(nil))
	}
	vc, vr := reflect.ValueOf(c), reflect.ValueOf(r)
	for _, st := range s {
		key := st.Key
		field := configKeys[key]
		uses := func(k nn.Kind) bool { return contains(k.Fields(), field) }
		if nn.Names(uses) != "" && !uses(kind) {
			return fmt.Errorf("%s applies to sparsity %s", key, nn.Names(uses))
		}
		if a, b := vc.FieldByName(field), vr.FieldByName(field); a.Kind() != reflect.Slice && !reflect.DeepEqual(a.Interface(), b.Interface()) &&
			!(a.Kind() == reflect.String && a.String() == "auto") { // auto leaves the choice to the kind and the data
			return fmt.Errorf("%s %v: sparsity %s uses %v", key, a.Interface(), r.Sparsity, b.Interface())
		}
	}
	return nil
}

// keyOf is the config.json name of Config's field (the field's own name
// when it has none).
func keyOf(field string) string {
	for k, f := range configKeys {
		if f == field {
			return k
		}
	}
	return field
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// DataOptions are what the Spec's data files are read with.
func (s Spec) DataOptions() sae.DataOptions {
	return sae.DataOptions{Key: s.Key, Columns: s.Columns, Drop: s.Drop, IDColumn: s.IDColumn}
}
