// Package malformed builds model directories that sae must refuse: each
// Case turns a good model directory (config.json + model.safetensors) into
// one that is wrong in one way (a size, a type, a contradiction, a file
// that is not a regular file) and names a part of the one-line error that
// must refuse it. The tests of Load, sae eval and sae serve's reload run
// the same table.
//
// The good model must be a one-layer, untied, relu model with a linear
// output, no selection code and a fitted normalisation (so that the cases
// can flip each of those); Build checks it.
package malformed

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Model is a good model directory's two files.
type Model struct {
	Config  []byte // config.json
	Weights []byte // model.safetensors
}

// Read reads the good model directory dir.
func Read(dir string) (Model, error) {
	c, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return Model{}, err
	}
	w, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	return Model{Config: c, Weights: w}, err
}

// Case is one malformed directory.
type Case struct {
	Name string
	// Want is a part of the error that refuses the directory.
	Want string
	// File is the file the error names: "config.json",
	// "model.safetensors", or "" for the directory itself.
	File  string
	build func(dir string, m *model) error
}

// Build writes the case's directory at dir, which must not exist, from
// the good model m. A closer, non-nil when the case holds something that
// lives in the process (a listening socket), must be called when done.
func (c Case) Build(dir string, m Model) (closer func(), err error) {
	mm, err := parse(m)
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	b := &builder{dir: dir}
	if err := c.build(dir, &model{Model: m, cfg: mm.cfg, tensors: mm.tensors, b: b}); err != nil {
		return nil, fmt.Errorf("case %s: %w", c.Name, err)
	}
	return b.close, nil
}

// model is the good model, parsed, with helpers that write the case.
type model struct {
	Model
	cfg     map[string]any // config.json decoded with json.Number
	tensors []tensor       // in name order
	b       *builder
}

type tensor struct {
	name  string
	dtype string
	shape []int64
	data  []byte
}

type builder struct {
	dir     string
	closers []func()
}

func (b *builder) close() {
	for _, c := range b.closers {
		c()
	}
}

func parse(m Model) (*model, error) {
	d := json.NewDecoder(bytes.NewReader(m.Config))
	d.UseNumber()
	var cfg map[string]any
	if err := d.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("the good config.json: %w", err)
	}
	arch, _ := cfg["architecture"].(map[string]any)
	if arch == nil || arch["tied"] != false || arch["output"] != "linear" || arch["activation"] != "relu" || arch["layers"] != nil || arch["code"] != nil ||
		cfg["normalize"] == "none" || cfg["normalize"] == nil {
		return nil, errors.New("the good model must be a one-layer untied relu model with a linear output, no code and a normalisation")
	}
	w := m.Weights
	if len(w) < 8 {
		return nil, errors.New("the good model.safetensors is too short")
	}
	n := binary.LittleEndian.Uint64(w)
	if n > uint64(len(w)-8) {
		return nil, errors.New("the good model.safetensors has a bad header length")
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(w[8:8+n], &header); err != nil {
		return nil, err
	}
	buf := w[8+n:]
	var ts []tensor
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			Dtype   string  `json:"dtype"`
			Shape   []int64 `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		if e.Dtype != "F32" {
			return nil, fmt.Errorf("the good model's tensor %s is %s, not F32", name, e.Dtype)
		}
		ts = append(ts, tensor{name, e.Dtype, e.Shape, buf[e.Offsets[0]:e.Offsets[1]]})
	}
	// In name order, as sae writes them.
	slices.SortFunc(ts, func(a, b tensor) int { return strings.Compare(a.name, b.name) })
	return &model{Model: m, cfg: cfg, tensors: ts}, nil
}

func (m *model) path(name string) string { return filepath.Join(m.b.dir, name) }

// writeConfig writes config.json from cfg after edit changes a copy of it.
func (m *model) writeConfig(edit func(cfg, arch, train map[string]any)) error {
	var cfg map[string]any
	d := json.NewDecoder(bytes.NewReader(m.Config))
	d.UseNumber()
	if err := d.Decode(&cfg); err != nil {
		return err
	}
	arch, _ := cfg["architecture"].(map[string]any)
	train, _ := cfg["config"].(map[string]any)
	edit(cfg, arch, train)
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(m.path("config.json"), b, 0o644)
}

// config writes config.json as is or edited, and the good weights.
func (m *model) config(edit func(cfg, arch, train map[string]any)) error {
	if err := m.writeConfig(edit); err != nil {
		return err
	}
	return os.WriteFile(m.path("model.safetensors"), m.Weights, 0o644)
}

// weights writes the good config.json and model.safetensors with the
// tensors as edit leaves them.
func (m *model) weights(edit func(ts []tensor) []tensor) error {
	if err := os.WriteFile(m.path("config.json"), m.Config, 0o644); err != nil {
		return err
	}
	ts := make([]tensor, len(m.tensors))
	for i, t := range m.tensors {
		ts[i] = tensor{t.name, t.dtype, append([]int64(nil), t.shape...), append([]byte(nil), t.data...)}
	}
	return os.WriteFile(m.path("model.safetensors"), encode(edit(ts)), 0o644)
}

// raw writes the good config.json and the bytes edit makes of the good
// weights file.
func (m *model) raw(edit func(w []byte) []byte) error {
	if err := os.WriteFile(m.path("config.json"), m.Config, 0o644); err != nil {
		return err
	}
	return os.WriteFile(m.path("model.safetensors"), edit(append([]byte(nil), m.Weights...)), 0o644)
}

// good writes both good files, for cases that then replace one.
func (m *model) good() error { return m.raw(func(w []byte) []byte { return w }) }

// encode writes a safetensors file of ts, in order.
func encode(ts []tensor) []byte {
	var h bytes.Buffer
	h.WriteByte('{')
	off := 0
	for i, t := range ts {
		if i > 0 {
			h.WriteByte(',')
		}
		k, _ := json.Marshal(t.name)
		s, _ := json.Marshal(t.shape)
		fmt.Fprintf(&h, `%s:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, k, t.dtype, s, off, off+len(t.data))
		off += len(t.data)
	}
	h.WriteByte('}')
	out := binary.LittleEndian.AppendUint64(nil, uint64(h.Len()))
	out = append(out, h.Bytes()...)
	for _, t := range ts {
		out = append(out, t.data...)
	}
	return out
}

func find(ts []tensor, name string) *tensor {
	for i := range ts {
		if ts[i].name == name {
			return &ts[i]
		}
	}
	panic("malformed: the good model has no tensor " + name)
}

// setFloat32 sets element i of an F32 tensor.
func setFloat32(t *tensor, i int, v float32) {
	binary.LittleEndian.PutUint32(t.data[4*i:], math.Float32bits(v))
}

// replace puts a non-regular file in the place of name after writing the
// good files.
func (m *model) replace(name string, mk func(path string) error) error {
	if err := m.good(); err != nil {
		return err
	}
	p := m.path(name)
	if err := os.Remove(p); err != nil {
		return err
	}
	return mk(p)
}

func symlinkTo(target string) func(string) error {
	return func(p string) error { return os.Symlink(target, p) }
}

func fifo(p string) error { return syscall.Mkfifo(p, 0o644) }

func (m *model) socket(p string) error {
	ln, err := net.Listen("unix", p)
	if err != nil {
		return err
	}
	m.b.closers = append(m.b.closers, func() { ln.Close() })
	return nil
}

// sparse makes p a file of size bytes that takes no disk space.
func sparse(size int64) func(string) error {
	return func(p string) error {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := f.Truncate(size); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}
