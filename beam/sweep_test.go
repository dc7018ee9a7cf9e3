package saebeam

import (
	"context"
	"encoding/csv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/sweep"
)

// The Beam sweep gives sae sweep's table (sweep.Run, its engine, with
// two jobs), trial for trial, but the seconds, and the same models bit for
// bit; run again, or in the directory of sae sweep's run, it trains
// nothing.
func TestSweepSameTable(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	x := sae.NewMatrix(800, 24)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	data := filepath.Join(dir, "x.npy")
	if err := sae.WriteData(data, x); err != nil {
		t.Fatal(err)
	}
	trials, err := sweep.ParseSet([]string{"k=2,4,8", "lr=0.001,0.004"})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := sweep.ParseSet([]string{"hidden=32", "epochs=3", "threads=1"})
	spec := sweep.Spec{Data: data, Base: base[0], Trials: trials}
	local, distributed := filepath.Join(dir, "local"), filepath.Join(dir, "beam")
	if _, err := sweep.Run(context.Background(), spec, local, sweep.DefaultPlot, sweep.Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	runSweep := func(out string) {
		t.Helper()
		p, s := beam.NewPipelineWithRoot()
		if err := (Sweep{Spec: spec, Plot: sweep.DefaultPlot, Out: out}).Build(s); err != nil {
			t.Fatal(err)
		}
		if err := ptest.Run(p); err != nil {
			t.Fatal(err)
		}
	}
	runSweep(distributed)
	want, got := tableWithoutTimes(t, local), tableWithoutTimes(t, distributed)
	if len(got) != 7 || !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the Beam sweep's table:\n%v\nsae sweep's:\n%v", got, want)
	}
	for i := range spec.Trials {
		a, err1 := sae.Load(filepath.Join(local, spec.Name(i)))
		b, err2 := sae.Load(filepath.Join(distributed, spec.Name(i)))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for k, w := range a.Weights() {
			if !slices.Equal(b.Weights()[k], w) {
				t.Fatalf("trial %d: %s differs", i, k)
			}
		}
	}
	stamp := func(dir string) []time.Time {
		var ts []time.Time
		for i := range spec.Trials {
			st, err := os.Stat(filepath.Join(dir, spec.Name(i)+".json"))
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, st.ModTime())
		}
		return ts
	}
	for _, dir := range []string{distributed, local} {
		before := stamp(dir)
		runSweep(dir)
		if !slices.Equal(stamp(dir), before) {
			t.Fatalf("%s: a trial finished earlier was run again", filepath.Base(dir))
		}
	}
}

// tableWithoutTimes is a sweep's results.csv without its seconds.
func tableWithoutTimes(t *testing.T, dir string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, sweep.TableCSV))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var keep []int
	for j, h := range rows[0] {
		if !strings.HasSuffix(h, "seconds") {
			keep = append(keep, j)
		}
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, j := range keep {
			out[i] = append(out[i], r[j])
		}
	}
	return out
}
