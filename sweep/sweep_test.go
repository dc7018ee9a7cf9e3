package sweep

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sae-go/sae"
)

func settingsText(trials []Settings) []string {
	out := make([]string, len(trials))
	for i, t := range trials {
		out[i] = t.String()
	}
	return out
}

func TestParseGrid(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`{"sparsity": "topk", "k": [2, 4], "lr": [0.001, 3e-3]}`,
			[]string{`sparsity="topk" k=2 lr=0.001`, `sparsity="topk" k=2 lr=3e-3`, `sparsity="topk" k=4 lr=0.001`, `sparsity="topk" k=4 lr=3e-3`}},
		{`[{"k": 2}, {"k": 4, "target-l0": 3}]`, []string{`k=2`, `k=4 target_l0=3`}},
		{`{"layers": [[8, 4], [6]]}`, []string{`layers=[8,4]`, `layers=[6]`}},
		{`{"layers": [8, 4]}`, []string{`layers=[8,4]`}},
		{`{}`, []string{``}},
	} {
		got, err := ParseGrid(strings.NewReader(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if s := settingsText(got); !slices.Equal(s, c.want) {
			t.Errorf("%s: trials %q, want %q", c.in, s, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"kk": [1]}`, `unknown setting "kk"`},
		{`{"k": []}`, `k: no values`},
		{`{"k": 1, "k": 2}`, `k given twice`},
		{`[]`, `no trials`},
		{`[{"k": 1}] x`, `invalid`},
		{`"k"`, `want a JSON object`},
	} {
		_, err := ParseGrid(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestParseSet(t *testing.T) {
	got, err := ParseSet([]string{"sparsity=topk,batchtopk", "layers=[8,4], [6]", "lr=1e-3"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`sparsity="topk" layers=[8,4] lr=1e-3`, `sparsity="topk" layers=[6] lr=1e-3`,
		`sparsity="batchtopk" layers=[8,4] lr=1e-3`, `sparsity="batchtopk" layers=[6] lr=1e-3`}
	if s := settingsText(got); !slices.Equal(s, want) {
		t.Fatalf("trials %q, want %q", s, want)
	}
	for _, a := range []string{"k", "k=", "nope=1"} {
		if _, err := ParseSet([]string{a}); err == nil {
			t.Errorf("%q: no error", a)
		}
	}
}

// A trial's Config is DefaultConfig with the settings; a setting of
// another kind, a value of the wrong type, a value Validate refuses and a
// key set twice are errors naming the trial and the setting.
func TestSpecConfig(t *testing.T) {
	trials, _ := ParseSet([]string{"k=3,5", "lr=0.002"})
	s := Spec{Data: "x.npy", Base: mustSet(t, "hidden=24", "sparsity=topk"), Trials: trials}
	c, err := s.Config(1)
	if err != nil {
		t.Fatal(err)
	}
	want := sae.DefaultConfig()
	want.Hidden, want.Sparsity, want.K, want.LR = 24, sae.SparsityTopK, 5, 0.002
	if !jsonEqual(c, want) {
		t.Fatalf("config %+v, want %+v", c, want)
	}
	for _, c := range []struct {
		base, trial []string
		want        string
	}{
		{[]string{"sparsity=kl"}, []string{"k=3"}, "k applies to sparsity topk"},
		{nil, []string{`k="many"`}, "k \"many\": want a JSON int"},
		{nil, []string{"lr=-1"}, "lr: "},
		{[]string{"k=3"}, []string{"k=4"}, "k is set twice"},
	} {
		s := Spec{Data: "x.npy", Base: mustSet(t, c.base...), Trials: []Settings{mustSet(t, c.trial...)}}
		_, err := s.Config(0)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "trial-000") {
			t.Errorf("%v %v: err = %v, want %q and the trial", c.base, c.trial, err, c.want)
		}
	}
}

func mustSet(t *testing.T, args ...string) Settings {
	t.Helper()
	trials, err := ParseSet(args)
	if err != nil || len(trials) != 1 {
		t.Fatalf("%v: %v", args, err)
	}
	return trials[0]
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestPlan(t *testing.T) {
	for _, c := range []struct{ n, cores, jobs, threads, wantJobs, wantThreads int }{
		{8, 2, 0, 0, 2, 1},
		{8, 8, 0, 2, 4, 2},
		{8, 8, 2, 0, 2, 4},
		{1, 8, 0, 0, 1, 8},
		{3, 16, 0, 0, 3, 5},
		{8, 2, 0, 4, 1, 4},
	} {
		j, th := Plan(c.n, c.cores, c.jobs, c.threads)
		if j != c.wantJobs || th != c.wantThreads {
			t.Errorf("Plan(%d trials, %d cores, jobs %d, threads %d) = %d jobs x %d threads, want %d x %d", c.n, c.cores, c.jobs, c.threads, j, th, c.wantJobs, c.wantThreads)
		}
	}
}

// writeData writes n rows of sparse combinations of 12 directions in 16
// columns to dir/x.npy.
func writeData(t *testing.T, dir string, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	const d, atoms = 16, 12
	dict := make([]float32, atoms*d)
	for i := range dict {
		dict[i] = float32(rng.NormFloat64())
	}
	x := sae.NewMatrix(n, d)
	for r := range n {
		for range 3 {
			a, w := rng.IntN(atoms), float32(rng.Float64()+0.5)
			for j := range d {
				x.Data[r*d+j] += w * dict[a*d+j]
			}
		}
	}
	p := filepath.Join(dir, "x.npy")
	if err := sae.WriteData(p, x); err != nil {
		t.Fatal(err)
	}
	return p
}

// A sweep trains each trial exactly as sae.Train does with its Config,
// writes a loadable model per trial and the table; run again it runs
// nothing, and with one trial's result removed (a sweep killed before it
// finished) it runs that trial alone, to the same table.
func TestRunAndResume(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sweep")
	trials, _ := ParseSet([]string{"k=2,4,6"})
	s := Spec{Data: writeData(t, dir, 600), Base: mustSet(t, "hidden=24", "epochs=3", "seed=5", "ensemble=1"), Trials: trials}
	var ran []int
	done := func(r Result) {
		if !r.Resumed {
			ran = append(ran, r.Trial)
		}
	}
	res, err := Run(context.Background(), s, out, DefaultPlot, Options{Jobs: 2, Threads: 1, Done: done})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ran)
	if !slices.Equal(ran, []int{0, 1, 2}) {
		t.Fatalf("trials run: %v", ran)
	}
	x, err := sae.LoadData(s.Data, sae.DataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Error != "" || r.Threads != 1 || r.EvalOn != "val" {
			t.Fatalf("trial %d: %+v", i, r)
		}
		m, err := sae.Load(filepath.Join(out, r.Model))
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := s.Config(i)
		cfg.Threads = 1
		ref, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.K != 2+2*i || !jsonEqual(m.Weights(), ref.Weights()) {
			t.Fatalf("trial %d: the model (k %d) is not sae.Train's with its Config", i, m.Config.K)
		}
		if mt, _ := m.Eval(x); r.Metrics.N != 60 || mt.N != 600 {
			t.Fatalf("trial %d: metrics on %d rows, want the 60 held out", i, r.Metrics.N)
		}
	}
	table := readFile(t, filepath.Join(out, TableCSV))
	rows, err := csv.NewReader(strings.NewReader(table)).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][2] != "k" || rows[3][2] != "6" {
		t.Fatalf("results.csv: %v\n%s", err, table)
	}
	for _, f := range []string{TableJSON, ReportFile, ParetoFile, SpecFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}

	ran = nil
	if _, err := Run(context.Background(), s, out, DefaultPlot, Options{Jobs: 2, Threads: 1, Done: done}); err != nil || len(ran) != 0 {
		t.Fatalf("run again: trials %v run (%v)", ran, err)
	}
	os.Remove(filepath.Join(out, s.Name(1)+".json"))
	if _, err := Run(context.Background(), s, out, DefaultPlot, Options{Jobs: 2, Threads: 1, Done: done}); err != nil || !slices.Equal(ran, []int{1}) {
		t.Fatalf("resumed: trials %v run (%v)", ran, err)
	}
	if again := readFile(t, filepath.Join(out, TableCSV)); withoutTimes(t, again) != withoutTimes(t, table) {
		t.Fatalf("the resumed sweep's table differs:\n%s\n%s", again, table)
	}

	other := s
	other.Trials, _ = ParseSet([]string{"k=3"})
	if _, err := Run(context.Background(), other, out, DefaultPlot, Options{}); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Fatalf("another sweep in the directory: %v", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withoutTimes is a results.csv without its columns of seconds.
func withoutTimes(t *testing.T, table string) string {
	rows, err := csv.NewReader(strings.NewReader(table)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var keep []int
	for j, h := range rows[0] {
		if !strings.HasSuffix(h, "seconds") {
			keep = append(keep, j)
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for _, j := range keep {
			b.WriteString(r[j] + ",")
		}
		b.WriteString("\n")
	}
	return b.String()
}
