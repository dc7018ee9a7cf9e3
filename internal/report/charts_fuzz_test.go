package report

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCharts draws every chart kind from arbitrary float64 values (NaN,
// infinities, subnormals, the extremes) in both formats: each call must
// return, without a panic, either nil or an error naming the file, and an
// SVG it writes must be well-formed.
func FuzzCharts(f *testing.F) {
	seed := func(vs ...float64) []byte {
		b := make([]byte, 0, 1+8*len(vs))
		b = append(b, 0)
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(seed(1, 2, 3, 4))
	f.Add(seed(-1e308, 1e308, 0, math.SmallestNonzeroFloat64))
	f.Add(seed(1, math.Nextafter(1, 2), math.NaN(), math.Inf(1)))
	f.Add(seed(0.051, 0.059, 0.055, 1e-300))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 1 || len(b) > 1+8*64 {
			return
		}
		mode := b[0]
		var v []float64
		for p := b[1:]; len(p) >= 8; p = p[8:] {
			v = append(v, math.Float64frombits(binary.LittleEndian.Uint64(p)))
		}
		half := len(v) / 2
		ext := ".svg"
		if mode&1 != 0 {
			ext = ".png"
		}
		path := filepath.Join(dir, "c"+ext)
		check := func(err error) {
			t.Helper()
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("error %q does not name %s", err, path)
				}
				return
			}
			if ext == ".svg" {
				checkSVG(t, path)
			}
			os.Remove(path)
		}
		var thr *float64
		if len(v) > 0 && mode&2 != 0 {
			thr = &v[0]
		}
		check(Histogram(path, v, HistOptions{LogX: mode&4 != 0, Threshold: thr, Bins: int(mode >> 4)}))
		check(LossCurve(path, v[:half], v[half:], "loss"))
		labels := make([]int, half)
		for i := range labels {
			labels[i] = int(int8(b[1+i%(len(b)-1)]))
		}
		check(Scatter2D(path, v[:half], v[half:2*half], labels, "codes"))
		// ROC rates must be in [0, 1]: fold the values in.
		fpr, tpr := make([]float64, half), make([]float64, half)
		for i := range fpr {
			fpr[i], tpr[i] = math.Abs(math.Mod(v[i], 1)), math.Abs(math.Mod(v[half+i], 1))
		}
		check(ROCCurve(path, fpr, tpr, 0.5))
	})
}
