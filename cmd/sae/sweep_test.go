package main

import (
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/sweep"
)

// sweepData writes n rows of 48 Gaussian columns to dir/x.npy.
func sweepData(t *testing.T, dir string, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 9))
	x := &data.Matrix{Rows: n, Cols: 48, Data: make([]float32, n*48)}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	p := filepath.Join(dir, "x.npy")
	if err := data.WriteNPY(p, x); err != nil {
		t.Fatal(err)
	}
	return p
}

// sae sweep's trials take sae train's flags: each trial's model is the
// model sae train writes with the shared flags and the trial's values.
func TestSweepTrialsAreTrainRuns(t *testing.T) {
	dir := t.TempDir()
	x := sweepData(t, dir, 500)
	shared := []string{"--hidden", "32", "--epochs", "4", "--threads", "1", "--seed", "3", "--clip", "5"}
	out := filepath.Join(dir, "s")
	stdout, stderr, code := saeRun(t, append([]string{"sweep", "--data", x, "--out", out, "--set", "k=2,6", "--set", "lr=0.01", "--json"}, shared...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(stdout), &o); err != nil || o["trials"] != 2.0 || o["resumed"] != 0.0 {
		t.Fatalf("--json: %s (%v)", stdout, err)
	}
	for i, k := range []string{"2", "6"} {
		ref := filepath.Join(dir, "ref"+k)
		if _, stderr, code := saeRun(t, append([]string{"train", "--data", x, "--out", ref, "--k", k, "--lr", "0.01", "--quiet"}, shared...)...); code != 0 {
			t.Fatalf("train: %s", stderr)
		}
		want, _ := sae.Load(ref)
		got, err := sae.Load(filepath.Join(out, (sweep.Spec{Trials: make([]sweep.Settings, 2)}).Name(i)))
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range want.Weights() {
			if !slices.Equal(got.Weights()[name], w) {
				t.Fatalf("trial k=%s: %s differs from sae train's", k, name)
			}
		}
	}
}

func TestSweepUsage(t *testing.T) {
	dir := t.TempDir()
	x := sweepData(t, dir, 50)
	grid := filepath.Join(dir, "grid.json")
	os.WriteFile(grid, []byte(`{"k": [2, "many"]}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", dir + "/s", "--set", "k=2"}, "--data is required"},
		{[]string{"--data", x, "--set", "k=2"}, "--out is required"},
		{[]string{"--data", x, "--out", dir + "/s"}, "--grid FILE or --set"},
		{[]string{"--data", x, "--out", dir + "/s", "--set", "kay=2"}, `unknown setting "kay"`},
		{[]string{"--data", x, "--out", dir + "/s", "--set", "k=2", "--sparsity", "kl"}, "k applies to sparsity"},
		{[]string{"--data", x, "--out", dir + "/s", "--set", "k=2", "--k", "3"}, "k is set twice"},
		{[]string{"--data", x, "--out", dir + "/s", "--set", "k=2", "--pareto", "l0,speed"}, `no figure "speed"`},
		{[]string{"--data", x, "--out", dir + "/s", "--grid", grid}, `k "many": want a JSON int`},
	} {
		_, stderr, code := saeRun(t, append([]string{"sweep"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(dir + "/s"); err == nil {
		t.Error("a refused sweep made its directory")
	}
}

// A sweep killed with SIGKILL after some trials finished resumes with the
// same command: the finished trials are not trained again (their files
// are untouched), and the table is an uninterrupted sweep's.
func TestSweepKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sae sweep three times")
	}
	dir := t.TempDir()
	x := sweepData(t, dir, 2000)
	args := func(out string, more ...string) []string {
		return append([]string{"sweep", "--data", x, "--out", out, "--set", "k=2,3,4,5,6,8", "--hidden", "64", "--epochs", "25",
			"--jobs", "1", "--threads", "1"}, more...)
	}
	ref := filepath.Join(dir, "ref")
	if _, stderr, code := saeRun(t, args(ref, "--quiet")...); code != 0 {
		t.Fatal(stderr)
	}
	out := filepath.Join(dir, "s")
	cmd := exec.Command(os.Args[0], args(out, "--quiet")...)
	cmd.Env = append(os.Environ(), "SAE_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := func() []string {
		m, _ := filepath.Glob(filepath.Join(out, "trial-*.json"))
		return m
	}
	// Wait as long as the test may (a loaded machine trains slowly): the
	// kill comes as soon as two trials are done.
	deadline := time.Now().Add(8 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-time.Minute)
	}
	for len(done()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	finished := done()
	if len(finished) < 2 || len(finished) == 6 {
		t.Fatalf("killed with %d of 6 trials finished, want some but not all", len(finished))
	}
	stamp := map[string]time.Time{}
	for _, f := range finished {
		for _, p := range []string{f, strings.TrimSuffix(f, ".json") + "/" + sae.WeightsFile} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			stamp[p] = st.ModTime()
		}
	}
	_, stderr, code := saeRun(t, args(out)...)
	if code != 0 {
		t.Fatal(stderr)
	}
	if n := strings.Count(stderr, "(finished earlier)"); n != len(finished) {
		t.Errorf("%d trials reported as finished earlier, want %d:\n%s", n, len(finished), stderr)
	}
	for p, t0 := range stamp {
		if st, err := os.Stat(p); err != nil || !st.ModTime().Equal(t0) {
			t.Errorf("%s was written again", p)
		}
	}
	tables := [2][][]string{}
	for i, d := range []string{ref, out} {
		b, _ := os.ReadFile(filepath.Join(d, sweep.TableCSV))
		rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil || len(rows) != 7 {
			t.Fatalf("%s: %d rows (%v)", d, len(rows), err)
		}
		for _, r := range rows {
			tables[i] = append(tables[i], append(r[:11:11], r[14:]...)) // not the threads and the seconds
		}
	}
	if !slices.EqualFunc(tables[0], tables[1], slices.Equal) {
		t.Fatalf("the resumed sweep's table differs from an uninterrupted one's:\n%v\n%v", tables[1], tables[0])
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".*")); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// A sweep's stderr has a line per trial as it finishes, counted, and a
// status line naming the trials training and how far each has got when
// statusEvery passes without a line.
func TestSweepProgressLines(t *testing.T) {
	defer func(d time.Duration) { statusEvery = d }(statusEvery)
	statusEvery = 10 * time.Millisecond
	dir := t.TempDir()
	x := sweepData(t, dir, 1000)
	_, stderr, code := saeRun(t, "sweep", "--data", x, "--out", filepath.Join(dir, "s"), "--set", "k=2,4", "--hidden", "32",
		"--epochs", "30", "--jobs", "1", "--threads", "1")
	if code != 0 {
		t.Fatal(stderr)
	}
	for _, want := range []string{"[1/2] trial-000 k=2: l0 ", "[2/2] trial-001 k=4: l0 "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("no line %q:\n%s", want, stderr)
		}
	}
	status := regexp.MustCompile(`(?m)^sweep: 0/2 trials done in \S+; training trial-000 k=2 \(sparse: epoch (\d+) of 30, step (\d+) of 120\)$`)
	m := status.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no status line of trial-000 training:\n%s", stderr)
	}
	if e, _ := strconv.Atoi(m[1]); e < 1 || e > 30 {
		t.Errorf("status line's epoch %s", m[1])
	}
	if !regexp.MustCompile(`(?m)^sweep: 1/2 trials done in \S+; training trial-001 k=4 \(`).MatchString(stderr) {
		t.Errorf("no status line of trial-001 training after trial-000 finished:\n%s", stderr)
	}
}
