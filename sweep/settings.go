package sweep

// Settings: Config fields by their config.json names, with JSON values,
// in order; a grid of them from grid.json or from key=v1,v2 arguments.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/sae-go/sae"
)

// Setting is one Config field's value: Key is the field's name in a model's
// config.json ("k", "lr", "target_l0"), Value its JSON value, compact.
type Setting struct {
	Key   string
	Value json.RawMessage
}

func (s Setting) String() string { return s.Key + "=" + string(s.Value) }

// Settings are settings in order; as JSON, an object in that order.
type Settings []Setting

// MarshalJSON writes the settings as one JSON object, in order.
func (s Settings) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, st := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(st.Key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(st.Value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object of settings, keeping the order of its keys;
// a key is checked as Key checks it.
func (s *Settings) UnmarshalJSON(b []byte) error {
	var out Settings
	err := objectFields(b, func(k string, v json.RawMessage) error {
		st, err := NewSetting(k, v)
		out = append(out, st)
		return err
	})
	*s = out
	return err
}

// String is the settings as key=value, separated by spaces.
func (s Settings) String() string {
	parts := make([]string, len(s))
	for i, st := range s {
		parts[i] = st.String()
	}
	return strings.Join(parts, " ")
}

// Get returns the value of key (nil when not set).
func (s Settings) Get(key string) json.RawMessage {
	for _, st := range s {
		if st.Key == key {
			return st.Value
		}
	}
	return nil
}

// configKeys maps config.json's names to Config's field names.
var configKeys = func() map[string]string {
	m := map[string]string{}
	t := reflect.TypeFor[sae.Config]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = t.Field(i).Name
		}
	}
	return m
}()

// Key returns the config.json name of a setting's key: the name itself or
// with dashes for underscores, as in sae train's flags (target-l0).
func Key(key string) (string, error) {
	k := strings.ReplaceAll(strings.TrimSpace(key), "-", "_")
	if _, ok := configKeys[k]; !ok {
		names := make([]string, 0, len(configKeys))
		for n := range configKeys {
			names = append(names, n)
		}
		slices.Sort(names)
		return "", fmt.Errorf("unknown setting %q (the names of a model's config.json: %s)", key, strings.Join(names, ", "))
	}
	return k, nil
}

// NewSetting checks key and compacts value, which must be one JSON value.
func NewSetting(key string, value json.RawMessage) (Setting, error) {
	k, err := Key(key)
	if err != nil {
		return Setting{}, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, value); err != nil || b.Len() == 0 {
		return Setting{}, fmt.Errorf("setting %s: %q is not a JSON value", k, value)
	}
	return Setting{Key: k, Value: b.Bytes()}, nil
}

// ParseGrid reads grid.json: either an object whose values are lists of
// values to try (a single value is used in every trial), its trials every
// combination, the first key varying slowest,
//
//	{"sparsity": "topk", "k": [20, 40, 80, 160], "lr": [0.001, 0.003]}
//
// or a list of objects, one trial each:
//
//	[{"k": 20}, {"k": 40, "lr": 0.003}]
//
// Keys are the names of a model's config.json (Key also takes sae train's
// flag names where they differ only by dashes). A field whose values are
// lists (layers) takes a list of lists in the object form.
func ParseGrid(r io.Reader) ([]Settings, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '[':
		var trials []Settings
		if err := json.Unmarshal(b, &trials); err != nil {
			return nil, fmt.Errorf("a list of trials: %w", err)
		}
		if len(trials) == 0 {
			return nil, errors.New("no trials in the list")
		}
		return trials, nil
	case len(b) > 0 && b[0] == '{':
		var axes [][]Setting
		err := objectFields(b, func(k string, v json.RawMessage) error {
			var values []json.RawMessage
			if json.Unmarshal(v, &values) != nil || k == "layers" && !listOfLists(values) {
				values = []json.RawMessage{v} // one value, in every trial
			}
			if len(values) == 0 {
				return fmt.Errorf("setting %s: no values", k)
			}
			axis := make([]Setting, len(values))
			for i, v := range values {
				st, err := NewSetting(k, v)
				if err != nil {
					return err
				}
				axis[i] = st
			}
			axes = append(axes, axis)
			return nil
		})
		if err != nil {
			return nil, err
		}
		return Product(axes), nil
	}
	return nil, errors.New("want a JSON object of settings and their values, or a list of objects")
}

// listOfLists reports whether every value is a JSON list.
func listOfLists(values []json.RawMessage) bool {
	for _, v := range values {
		if v = bytes.TrimSpace(v); len(v) == 0 || v[0] != '[' {
			return false
		}
	}
	return true
}

// ParseSet reads key=v1,v2,... arguments (sae sweep's --set): each key's
// values are tried in every combination with the others', the first
// argument varying slowest. Values are JSON (numbers, true, false; a word
// that is not JSON is a string: sparsity=topk,jumprelu); commas inside
// brackets belong to the value (layers=[512,128],[256,64]).
func ParseSet(args []string) ([]Settings, error) {
	var axes [][]Setting
	for _, a := range args {
		k, vals, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(vals) == "" {
			return nil, fmt.Errorf("%q: want key=value[,value...]", a)
		}
		var axis []Setting
		for _, v := range splitTop(vals) {
			raw := json.RawMessage(v)
			if !json.Valid(raw) {
				raw, _ = json.Marshal(v)
			}
			st, err := NewSetting(k, raw)
			if err != nil {
				return nil, err
			}
			axis = append(axis, st)
		}
		axes = append(axes, axis)
	}
	return Product(axes), nil
}

// splitTop splits s at the commas outside brackets, trimming spaces.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// Product is every combination of one setting from each axis, the first
// axis varying slowest; no axes give one empty trial.
func Product(axes [][]Setting) []Settings {
	trials := []Settings{nil}
	for _, axis := range axes {
		next := make([]Settings, 0, len(trials)*len(axis))
		for _, t := range trials {
			for _, st := range axis {
				next = append(next, append(slices.Clone(t), st))
			}
		}
		trials = next
	}
	return trials
}

// Cross is every trial of a followed by every trial of b, in that order
// (a varying slowest): a grid and --set arguments together.
func Cross(a, b []Settings) []Settings {
	var out []Settings
	for _, t := range a {
		for _, u := range b {
			out = append(out, append(slices.Clone(t), u...))
		}
	}
	return out
}

// objectFields calls fn on each key and value of the JSON object b, in
// order; a key given twice is an error.
func objectFields(b []byte, fn func(k string, v json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("want a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("setting %s: %w", k, err)
		}
		n := strings.ReplaceAll(k, "-", "_")
		if seen[n] {
			return fmt.Errorf("setting %s given twice", k)
		}
		seen[n] = true
		if err := fn(k, v); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}
