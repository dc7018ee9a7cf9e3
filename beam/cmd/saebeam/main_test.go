package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/sae-go/sae"
)

func TestMain(m *testing.M) {
	flag.Parse()
	beam.Init()
	os.Exit(m.Run())
}

// setFlags sets the command line's flags for one run, and resets them
// after the test.
func setFlags(t *testing.T, kv ...string) {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		if err := flag.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		inputs, sets = nil, nil
		for _, name := range []string{"model", "out", "data", "grid", "column"} {
			flag.Set(name, "")
		}
	})
}

// saebeam score on Prism writes the parts and prints the summary.
func TestScoreJob(t *testing.T) {
	dir := t.TempDir()
	x := sae.NewMatrix(300, 8)
	for i := range x.Data {
		x.Data[i] = float32(i%17) / 17
	}
	data := filepath.Join(dir, "x.npy")
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Threads = 8, 1, 1
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(m.Save(filepath.Join(dir, "m")), sae.WriteData(data, x)); err != nil {
		t.Fatal(err)
	}
	setFlags(t, "model", filepath.Join(dir, "m"), "input", data, "out", filepath.Join(dir, "out"), "shard-rows", "128")
	var out bytes.Buffer
	code, err := run(context.Background(), "score", &out)
	if code != 0 || err != nil || !strings.Contains(out.String(), "wrote 300 rows x 1 scores in 3 parts") {
		t.Fatalf("exit %d (%v): %s", code, err, out.String())
	}
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		job  string
		kv   []string
		want string
	}{
		{"", nil, "no job"},
		{"frobnicate", nil, "unknown job"},
		{"score", nil, "--model, --input and --out are required"},
		{"sweep", []string{"data", "x.npy", "out", "s"}, "--grid FILE or --set"},
		{"sweep", []string{"data", "x.npy", "out", "s", "set", "kk=1"}, `unknown setting "kk"`},
	} {
		t.Run(c.job, func(t *testing.T) {
			setFlags(t, c.kv...)
			code, err := run(context.Background(), c.job, &bytes.Buffer{})
			if code != 2 || err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("exit %d, %v; want 2 and %q", code, err, c.want)
			}
		})
	}
}

// --help lists saebeam's flags, every one of them, before Beam's, where
// the runner's flags are.
func TestHelp(t *testing.T) {
	var b bytes.Buffer
	printUsage(&b)
	mine, beams, ok := strings.Cut(b.String(), "\nBeam's flags")
	if !ok {
		t.Fatalf("no section of Beam's flags:\n%s", b.String())
	}
	flag.VisitAll(func(f *flag.Flag) {
		in := strings.Contains(mine, "\n  --"+f.Name+" ") || strings.Contains(mine, "\n  --"+f.Name+"\n")
		if slices.Contains(own, f.Name) != in {
			t.Errorf("--%s listed among saebeam's flags: %v", f.Name, in)
		}
	})
	synopsis, _, _ := strings.Cut(usage, "\nBeam flags")
	for _, m := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(synopsis, -1) {
		if !slices.Contains(own, m[1]) {
			t.Errorf("--%s, in the synopsis, is not among saebeam's flags", m[1])
		}
	}
	for _, name := range own {
		if flag.Lookup(name) == nil {
			t.Errorf("own names --%s, which is no flag", name)
		}
	}
	for _, name := range []string{"runner", "endpoint", "environment_type", "worker_binary", "project", "staging_location"} {
		if !strings.Contains(beams, "\n  --"+name+" ") {
			t.Errorf("Beam's --%s is not listed", name)
		}
	}
}
