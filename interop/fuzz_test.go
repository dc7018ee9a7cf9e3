package interop

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// FuzzImport feeds the SAELens and sparsify readers arbitrary cfg.json
// and weights files: each returns a model that works or a one-line error
// naming the directory or a file in it; it never panics.
func FuzzImport(f *testing.F) {
	// Seeds: an exported SAELens directory and a sparsify one, whole and
	// cut short. The first byte picks the format.
	seeds := f.TempDir()
	sl := filepath.Join(seeds, "saelens")
	if err := ExportSAELens(randModel(f, 4, 3, sae.NormalizeStandard, nil), sl); err != nil {
		f.Fatal(err)
	}
	cfg, _ := os.ReadFile(filepath.Join(sl, SAELensConfigFile))
	w, _ := os.ReadFile(filepath.Join(sl, SAELensWeightsFile))
	f.Add(byte(0), cfg, w)
	f.Add(byte(0), cfg, w[:len(w)/2])
	f.Add(byte(0), []byte(strings.Replace(string(cfg), `"d_in": 4`, `"d_in": 400000000`, 1)), w)
	rng := rand.New(rand.NewPCG(1, 2))
	sp := filepath.Join(seeds, "sparsify")
	writeSparsify(f, sp, map[string]any{"activation": "topk", "num_latents": 3, "k": 3, "d_in": 4},
		map[string]data.Tensor{"encoder.weight": randTensor(rng, 3, 4), "encoder.bias": randTensor(rng, 3), "W_dec": randTensor(rng, 3, 4), "b_dec": randTensor(rng, 4)})
	cfg, _ = os.ReadFile(filepath.Join(sp, SparsifyConfigFile))
	w, _ = os.ReadFile(filepath.Join(sp, SparsifyWeightsFile))
	f.Add(byte(1), cfg, w)
	f.Add(byte(1), []byte(`{"activation":"topk","num_latents":0,"expansion_factor":1e300,"k":1,"d_in":4}`), w)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, which byte, cfg, weights []byte) {
		format, cfgName, wName := SAELens, SAELensConfigFile, SAELensWeightsFile
		if which%2 == 1 {
			format, cfgName, wName = Sparsify, SparsifyConfigFile, SparsifyWeightsFile
		}
		sub := filepath.Join(dir, string(format))
		os.RemoveAll(sub)
		os.MkdirAll(sub, 0o755)
		os.WriteFile(filepath.Join(sub, cfgName), cfg, 0o644)
		os.WriteFile(filepath.Join(sub, wName), weights, 0o644)
		m, err := Import(format, sub)
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, sub) || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error %q does not name %s on one line", msg, sub)
			}
			return
		}
		x := sae.NewMatrix(2, m.Inputs)
		if c, err := m.Encode(x); err != nil || c.Rows != 2 || c.Cols != m.Hidden() {
			t.Fatalf("Encode: %v", err)
		}
		if s, err := m.Score(x); err != nil || len(s) != 2 {
			t.Fatalf("Score: %v", err)
		}
	})
}
