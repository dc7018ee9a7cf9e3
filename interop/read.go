package interop

// Reading the other toolkits' files: a cfg.json object whose every error
// names the file and the key, and a safetensors file whose every error
// names the file and the tensor.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sae-go/sae/internal/data"
)

// cfgJSON is a cfg.json object.
type cfgJSON struct {
	path string
	m    map[string]json.RawMessage
}

// readCfgJSON reads dir/name as a JSON object. what names the format in
// the error for a directory that lacks the file.
func readCfgJSON(dir, name, what string) (*cfgJSON, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if st, e := os.Stat(dir); e != nil || !st.IsDir() {
				return nil, fmt.Errorf("%s: no such directory", dir)
			}
			return nil, fmt.Errorf("%s: no %s, so not a %s directory", dir, name, what)
		}
		return nil, err
	}
	c := &cfgJSON{path: path}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&c.m); err != nil || c.m == nil {
		if err == nil {
			err = errors.New("not an object")
		}
		return nil, fmt.Errorf("%s: not a JSON object: %v", path, err)
	}
	return c, nil
}

// show is a JSON value for an error message: compact, on one line, cut
// short when long.
func show(v json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		b.Reset()
		b.Write(bytes.Join(bytes.Fields(v), []byte(" ")))
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// errf is an error about key.
func (c *cfgJSON) errf(key, format string, a ...any) error {
	return fmt.Errorf("%s: key %q: %s", c.path, key, fmt.Sprintf(format, a...))
}

// raw returns key's value; absent and null are both missing.
func (c *cfgJSON) raw(key string) (json.RawMessage, bool) {
	v, ok := c.m[key]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil, false
	}
	return v, true
}

// str returns the string key, def when it is missing.
func (c *cfgJSON) str(key, def string) (string, error) {
	v, ok := c.raw(key)
	if !ok {
		return def, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", c.errf(key, "want a string, got %s", show(v))
	}
	return s, nil
}

// boolean returns the boolean key, def when it is missing.
func (c *cfgJSON) boolean(key string, def bool) (bool, error) {
	v, ok := c.raw(key)
	if !ok {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return false, c.errf(key, "want true or false, got %s", show(v))
	}
	return b, nil
}

// integer returns the whole number key in [lo, hi]; a missing key is an
// error when required, def otherwise.
func (c *cfgJSON) integer(key string, def int, required bool, lo, hi int) (int, error) {
	v, ok := c.raw(key)
	if !ok {
		if required {
			return 0, fmt.Errorf("%s: key %q is missing", c.path, key)
		}
		return def, nil
	}
	return c.checkInt(key, v, lo, hi)
}

func (c *cfgJSON) checkInt(key string, v json.RawMessage, lo, hi int) (int, error) {
	var f float64
	if err := json.Unmarshal(v, &f); err != nil || f != math.Trunc(f) {
		return 0, c.errf(key, "want a whole number, got %s", show(v))
	}
	if f < float64(lo) || f > float64(hi) {
		return 0, c.errf(key, "%s is out of range [%d, %d]", show(v), lo, hi)
	}
	return int(f), nil
}

// number returns the number key, def when it is missing.
func (c *cfgJSON) number(key string, def float64) (float64, error) {
	v, ok := c.raw(key)
	if !ok {
		return def, nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return 0, c.errf(key, "want a number, got %s", show(v))
	}
	return f, nil
}

// nestedInt returns the whole number outer.inner in [lo, hi] and whether
// it is there.
func (c *cfgJSON) nestedInt(outer, inner string, lo, hi int) (int, bool, error) {
	v, ok := c.raw(outer)
	if !ok {
		return 0, false, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return 0, false, c.errf(outer, "want an object, got %s", show(v))
	}
	iv, ok := m[inner]
	if !ok || string(bytes.TrimSpace(iv)) == "null" {
		return 0, false, nil
	}
	n, err := c.checkInt(outer+"."+inner, iv, lo, hi)
	return n, err == nil, err
}

// maxWidth bounds d_in and the latent count read from a file.
const maxWidth = 1 << 24

// tensorFile is a safetensors file's tensors, every one a float type.
type tensorFile struct {
	path string
	t    map[string]data.Tensor
	used map[string]bool
}

// floatDtypes are the element types read as weights.
var floatDtypes = map[string]bool{"F32": true, "F64": true, "F16": true, "BF16": true}

func readTensorFile(path string) (*tensorFile, error) {
	ts, _, err := data.ReadSafetensors(path)
	if err != nil {
		return nil, err
	}
	for _, name := range sortedNames(ts) {
		if dt := ts[name].Dtype; !floatDtypes[dt] {
			return nil, fmt.Errorf("%s: tensor %q has dtype %s; weights must be F32, F64, F16 or BF16", path, name, dt)
		}
	}
	return &tensorFile{path: path, t: ts, used: map[string]bool{}}, nil
}

// get returns the tensor name of the given shape; label spells the shape
// in the format's terms for the error ("[d_in, d_sae]").
func (f *tensorFile) get(name, label string, shape ...int) ([]float32, error) {
	v, ok, err := f.optional(name, label, shape...)
	if err == nil && !ok {
		err = fmt.Errorf("%s: tensor %q %s is missing", f.path, name, label)
	}
	return v, err
}

// optional is get for a tensor that may be absent.
func (f *tensorFile) optional(name, label string, shape ...int) ([]float32, bool, error) {
	t, ok := f.t[name]
	if !ok {
		return nil, false, nil
	}
	f.used[name] = true
	if !sameShape(t.Shape, shape) {
		return nil, false, fmt.Errorf("%s: tensor %q has shape %v, want %s = %v", f.path, name, t.Shape, label, shape)
	}
	return t.Data, true, nil
}

// unused reports tensors nothing asked for: their meaning would be lost.
func (f *tensorFile) unused(what string) error {
	var extra []string
	for _, name := range sortedNames(f.t) {
		if !f.used[name] {
			extra = append(extra, fmt.Sprintf("%q", name))
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("%s: unexpected tensor %s: %s", f.path, strings.Join(extra, ", "), what)
	}
	return nil
}

func sortedNames(ts map[string]data.Tensor) []string {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
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
