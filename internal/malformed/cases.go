package malformed

import (
	"encoding/binary"
	"math"
	"os"
)

const (
	cfgFile = "config.json"
	wFile   = "model.safetensors"
)

// Cases is the table: 64 directories, each wrong in one way.
func Cases() []Case {
	var t table
	t.files()
	t.sizes()
	t.types()
	t.contradictions()
	return t.cs
}

type table struct{ cs []Case }

type buildFunc func(dir string, m *model) error

func (t *table) add(name, file, want string, build buildFunc) {
	t.cs = append(t.cs, Case{Name: name, File: file, Want: want, build: build})
}

// cfg writes config.json as edit leaves it (cfg is the whole file, arch
// its architecture, train its config) and the good weights.
func cfg(edit func(cfg, arch, train map[string]any)) buildFunc {
	return func(_ string, m *model) error { return m.config(edit) }
}

// arch sets key to v in the architecture and the config alike.
func arch(key string, v any) buildFunc {
	return cfg(func(_, a, t map[string]any) { a[key] = v; t[key] = v })
}

func weights(edit func(ts []tensor) []tensor) buildFunc {
	return func(_ string, m *model) error { return m.weights(edit) }
}

func raw(edit func(w []byte) []byte) buildFunc {
	return func(_ string, m *model) error { return m.raw(edit) }
}

func replace(name string, mk func(string) error) buildFunc {
	return func(_ string, m *model) error { return m.replace(name, mk) }
}

// files: files that are not regular files, or not there.
func (t *table) files() {
	add := t.add
	add("config.json is a symlink to dev-zero", cfgFile, "not a regular file (a character device)", replace(cfgFile, symlinkTo("/dev/zero")))
	add("model.safetensors is a symlink to dev-zero", wFile, "not a regular file (a character device)", replace(wFile, symlinkTo("/dev/zero")))
	add("config.json is a symlink to dev-null", cfgFile, "not a regular file (a character device)", replace(cfgFile, symlinkTo("/dev/null")))
	add("config.json is a named pipe", cfgFile, "not a regular file (a named pipe)", replace(cfgFile, fifo))
	add("model.safetensors is a named pipe", wFile, "not a regular file (a named pipe)", replace(wFile, fifo))
	add("config.json is a directory", cfgFile, "not a regular file (a directory)", replace(cfgFile, func(p string) error { return os.Mkdir(p, 0o755) }))
	add("model.safetensors is a directory", wFile, "not a regular file (a directory)", replace(wFile, func(p string) error { return os.Mkdir(p, 0o755) }))
	add("model.safetensors is a socket", wFile, "cannot open", func(_ string, m *model) error { return m.replace(wFile, m.socket) })
	add("model.safetensors is missing", wFile, "cannot open: no such file or directory", replace(wFile, func(string) error { return nil }))
	add("config.json is missing", "", "not a model directory (no config.json)", replace(cfgFile, func(string) error { return nil }))
	add("the model directory is a file", "", "not a directory", func(dir string, _ *model) error {
		if err := os.Remove(dir); err != nil {
			return err
		}
		return os.WriteFile(dir, []byte("{}"), 0o644)
	})
	add("config.json is a dangling symlink", cfgFile, "cannot open: no such file or directory", replace(cfgFile, symlinkTo("nowhere.json")))
	add("model.safetensors is a symlink loop", wFile, "too many levels of symbolic links", replace(wFile, symlinkTo(wFile)))
}

// sizes: declared sizes against the files' real ones.
func (t *table) sizes() {
	add := t.add
	add("config.json is 1 GiB (sparse)", cfgFile, "too large: 1073741824 bytes", replace(cfgFile, sparse(1<<30)))
	add("model.safetensors is 64 GiB (sparse)", wFile, "too large: 68719476736 bytes", replace(wFile, sparse(64<<30)))
	add("model.safetensors is empty", wFile, "0 bytes, too small", replace(wFile, sparse(0)))
	add("config.json is empty", cfgFile, "unexpected end of JSON input", replace(cfgFile, sparse(0)))
	add("model.safetensors cut in half", wFile, wFile, raw(func(w []byte) []byte { return w[:len(w)/2] }))
	add("model.safetensors with 16 bytes more", wFile, "16 bytes after the last tensor's data", raw(func(w []byte) []byte { return append(w, make([]byte, 16)...) }))
	add("model.safetensors with 4 MiB more", wFile, "too large", raw(func(w []byte) []byte { return append(w, make([]byte, 4<<20)...) }))
	add("safetensors header length 2^62", wFile, "truncated: header length 4611686018427387904", raw(func(w []byte) []byte { binary.LittleEndian.PutUint64(w, 1<<62); return w }))
	add("hidden 1048576 and 65536 classes beside small weights", cfgFile, "parameters, more than 2147483647", cfg(func(_, a, t map[string]any) {
		a["hidden"], t["hidden"], a["classes"] = 1048576, 1048576, 65536
	}))
	add("hidden 1048576 beside small weights", wFile, "too small for the", arch("hidden", 1048576))
	add("inputs 2^24+1", cfgFile, "architecture widths", cfg(func(_, a, _ map[string]any) { a["inputs"] = 1<<24 + 1 }))
	add("hidden 0", cfgFile, "out of range", arch("hidden", 0))
	add("hidden -5", cfgFile, "out of range", arch("hidden", -5))
	add("classes -1", cfgFile, "classes is out of range", cfg(func(_, a, _ map[string]any) { a["classes"] = -1 }))
	add("classes 2^20", cfgFile, "classes is out of range", cfg(func(_, a, _ map[string]any) { a["classes"] = 1 << 20 }))
	add("65 layers", cfgFile, "too deep", cfg(func(_, a, t map[string]any) {
		l := make([]any, 65)
		for i := range l {
			l[i] = a["hidden"]
		}
		a["layers"], t["layers"] = l, l
	}))
	add("layers that do not end with hidden", cfgFile, "do not end with hidden", cfg(func(_, a, t map[string]any) {
		l := []any{3, 2}
		a["layers"], t["layers"] = l, l
	}))
	add("W_enc transposed", wFile, "tensor W_enc has shape", weights(func(ts []tensor) []tensor {
		t := find(ts, "W_enc")
		t.shape[0], t.shape[1] = t.shape[1], t.shape[0]
		return ts
	}))
	add("b_enc one value short", wFile, "tensor b_enc has shape", weights(func(ts []tensor) []tensor {
		t := find(ts, "b_enc")
		t.shape[0]--
		t.data = t.data[4:]
		return ts
	}))
	add("b_dec missing", wFile, "missing tensor b_dec", weights(func(ts []tensor) []tensor { return drop(ts, "b_dec") }))
	add("a tensor declared 2^31 x 2^31", wFile, "tensor \"W_enc\"", weights(func(ts []tensor) []tensor {
		find(ts, "W_enc").shape = []int64{1 << 31, 1 << 31}
		return ts
	}))
	add("norm.scale of the wrong shape", wFile, "tensor norm.scale has shape", weights(func(ts []tensor) []tensor {
		t := find(ts, "norm.scale")
		t.shape = []int64{1, t.shape[0]}
		return ts
	}))
}

// types: JSON types, enumerations, dtypes and values.
func (t *table) types() {
	add := t.add
	add("config.json is not JSON", cfgFile, "invalid character", replace(cfgFile, func(p string) error { return os.WriteFile(p, []byte("hidden = 5\n"), 0o644) }))
	add("hidden is a string", cfgFile, "cannot unmarshal string", cfg(func(_, a, _ map[string]any) { a["hidden"] = "5" }))
	add("tied is a string", cfgFile, "cannot unmarshal string", cfg(func(_, a, _ map[string]any) { a["tied"] = "no" }))
	add("format is not sae-model", cfgFile, "is not an sae model", cfg(func(c, _, _ map[string]any) { c["format"] = "saelens" }))
	add("format_version 99", cfgFile, "format version 99 is not supported", cfg(func(c, _, _ map[string]any) { c["format_version"] = 99 }))
	add("architecture kind vae", cfgFile, `architecture kind "vae" is not supported`, cfg(func(_, a, _ map[string]any) { a["kind"] = "vae" }))
	add("activation swish", cfgFile, "swish", arch("activation", "swish"))
	add("output softmax", cfgFile, `architecture.output "softmax"`, cfg(func(_, a, _ map[string]any) { a["output"] = "softmax" }))
	add("code topq", cfgFile, "topq", cfg(func(_, a, _ map[string]any) { a["code"] = "topq" }))
	add("normalize zscore", cfgFile, `normalize "zscore" is not`, cfg(func(c, _, t map[string]any) { c["normalize"], t["normalize"] = "zscore", "zscore" }))
	add("W_enc stored as I64", wFile, "tensor W_enc has dtype I64", weights(func(ts []tensor) []tensor {
		t := find(ts, "W_enc")
		d := make([]byte, 0, 2*len(t.data))
		for i := 0; i < len(t.data); i += 4 {
			d = binary.LittleEndian.AppendUint64(d, uint64(int64(math.Float32frombits(binary.LittleEndian.Uint32(t.data[i:])))))
		}
		t.dtype, t.data = "I64", d
		return ts
	}))
	add("b_enc stored as U8", wFile, "tensor b_enc has dtype U8", weights(func(ts []tensor) []tensor {
		t := find(ts, "b_enc")
		t.dtype, t.data = "U8", make([]byte, len(t.data)/4)
		return ts
	}))
	add("NaN in W_enc", wFile, "NaN", weights(func(ts []tensor) []tensor { setFloat32(find(ts, "W_enc"), 3, float32(math.NaN())); return ts }))
	add("+Inf in b_dec", wFile, "Inf", weights(func(ts []tensor) []tensor { setFloat32(find(ts, "b_dec"), 0, float32(math.Inf(1))); return ts }))
	add("norm.scale holds 0", wFile, "norm.scale holds 0", weights(func(ts []tensor) []tensor { setFloat32(find(ts, "norm.scale"), 1, 0); return ts }))
	add("safetensors header is not JSON", wFile, "bad header", raw(func(w []byte) []byte {
		n := binary.LittleEndian.Uint64(w)
		for i := range n {
			w[8+i] = ' '
		}
		w[8] = '['
		return w
	}))
}

// contradictions: config.json against itself and the tensors.
func (t *table) contradictions() {
	add := t.add
	add("tied: true over an untied model's decoder", wFile, "tensor W_dec is not part of the model config.json describes (it says tied: true", cfg(func(_, a, t map[string]any) {
		a["tied"], t["tied"] = true, true
		delete(t, "l1_weight") // an untied model's default (decoder) would contradict tied
	}))
	add("tied in the architecture only", cfgFile, "config.tied false contradicts architecture.tied true", cfg(func(_, a, _ map[string]any) { a["tied"] = true }))
	add("output flipped to sigmoid", cfgFile, `config.loss mse contradicts architecture.output "sigmoid"`, cfg(func(_, a, _ map[string]any) { a["output"] = "sigmoid" }))
	add("activation flipped in the architecture", cfgFile, "config.activation relu contradicts architecture.activation sigmoid", cfg(func(_, a, _ map[string]any) { a["activation"] = "sigmoid" }))
	add("hidden changed in the architecture only", cfgFile, "contradicts architecture.hidden", cfg(func(_, a, _ map[string]any) { a["hidden"] = 3 }))
	add("negative threshold", cfgFile, "threshold -1 is negative", cfg(func(c, _, _ map[string]any) { c["threshold"] = -1 }))
	add("normalize none beside norm tensors", wFile, "tensor norm.scale is not part of the model", cfg(func(c, _, t map[string]any) { c["normalize"], t["normalize"] = "none", "none" }))
	add("normalize contradicts config.normalize", cfgFile, "config.normalize minmax contradicts normalize", cfg(func(_, _, t map[string]any) { t["normalize"] = "minmax" }))
	add("code topk with config.sparsity l1", cfgFile, "config.sparsity l1 contradicts architecture.code \"topk\"", cfg(func(_, a, t map[string]any) { a["code"], a["k"], t["sparsity"] = "topk", 2, "l1" }))
	add("variational over a plain encoder", wFile, "tensor W_enc has shape", cfg(func(_, a, t map[string]any) {
		a["variational"], t["variational"], t["sparsity"] = true, true, "none"
	}))
	add("layers in the config only", cfgFile, "contradicts architecture.layers", cfg(func(_, a, t map[string]any) { t["layers"] = []any{a["hidden"]} }))
	add("a tensor the architecture lacks", wFile, "tensor W_extra is not part of the model", weights(func(ts []tensor) []tensor {
		return append(ts, tensor{"W_extra", "F32", []int64{1}, make([]byte, 4)})
	}))
	add("a misspelt architecture field", cfgFile, `unknown field "tide"`, cfg(func(_, a, _ map[string]any) { a["tide"] = true }))
}

func drop(ts []tensor, name string) []tensor {
	out := ts[:0]
	for _, t := range ts {
		if t.name != name {
			out = append(out, t)
		}
	}
	return out
}
