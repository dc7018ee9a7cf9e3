package saebeam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/sae-go/sae"
)

// childEnv, set, makes the test binary run the Batch it holds (JSON) with
// a pause after every chunk, for TestKilledJob to kill.
const childEnv = "SAEBEAM_TEST_CHILD"

func TestMain(m *testing.M) {
	// Prism logs each job at info level, and the failures the tests
	// inject at error level: SAEBEAM_TEST_LOG=1 shows them.
	if os.Getenv("SAEBEAM_TEST_LOG") == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 1})))
	}
	if job := os.Getenv(childEnv); job != "" {
		flag.Parse()
		beam.Init()
		testChunkRows, _ = strconv.Atoi(os.Getenv("SAEBEAM_TEST_CHUNK"))
		var b Batch
		if err := json.Unmarshal([]byte(job), &b); err != nil {
			panic(err)
		}
		failHook = func(int, int) error { time.Sleep(30 * time.Millisecond); return nil }
		if err := runBatch(b); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	ptest.Main(m)
}

// runBatch runs b on the test runner (Prism).
func runBatch(b Batch) error {
	p, s := beam.NewPipelineWithRoot()
	if err := b.Build(context.Background(), s); err != nil {
		return err
	}
	return ptest.Run(p)
}

// fixture is a model and the same rows as one file and split into files
// of different sizes and formats.
type fixture struct {
	dir, model, whole string
	pieces            []string // in row order
	rows              int
}

var (
	fixtureOnce sync.Once
	fix         fixture
	fixErr      error
)

// getFixture trains a topk model (with its anomaly detector) on 600
// columns (more than a GEMM block: products of a few rows, multiplied row
// by row, sum in another order) and writes 4000 rows: whole.npy, and
// pieces of 1500, 37, 1203 (.npy) and 1260 rows (.csv, read whole by one
// worker).
func getFixture(t *testing.T) fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "saebeam-test-")
		if err != nil {
			fixErr = err
			return
		}
		fix = fixture{dir: dir, rows: 4000}
		rng := rand.New(rand.NewPCG(1, 1))
		x := sae.NewMatrix(fix.rows, 600)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64()) * float32(1+i%600%5)
		}
		cfg := sae.DefaultConfig()
		cfg.Hidden, cfg.K, cfg.Epochs, cfg.Threads = 32, 4, 2, 1
		m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{})
		if err != nil {
			fixErr = err
			return
		}
		fix.model = filepath.Join(dir, "model")
		fix.whole = filepath.Join(dir, "whole.npy")
		if fixErr = errors.Join(m.Save(fix.model), sae.WriteData(fix.whole, x)); fixErr != nil {
			return
		}
		lo := 0
		for i, n := range []int{1500, 37, 1203, 1260} {
			ext := ".npy"
			if i == 3 {
				ext = ".csv"
			}
			p := filepath.Join(dir, "in", fmt.Sprintf("rows-%d%s", i, ext))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if fixErr = sae.WriteData(p, x.Slice(lo, lo+n)); fixErr != nil {
				return
			}
			fix.pieces = append(fix.pieces, p)
			lo += n
		}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

var (
	saeOnce sync.Once
	saeBin  string
	saeErr  error
)

// saeCommand builds the sae command from this repository and runs it.
func saeCommand(t *testing.T, args ...string) {
	t.Helper()
	saeOnce.Do(func() {
		saeBin = filepath.Join(getFixture(t).dir, "sae")
		cmd := exec.Command("go", "build", "-o", saeBin, "./cmd/sae")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			saeErr = fmt.Errorf("building sae: %v\n%s", err, out)
		}
	})
	if saeErr != nil {
		t.Fatal(saeErr)
	}
	if out, err := exec.Command(saeBin, args...).CombinedOutput(); err != nil {
		t.Fatalf("sae %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// npyData is the data of a float32 .npy written by sae (its header is 64
// or 128 bytes: the data starts after the newline that ends it).
func npyData(t *testing.T, b []byte) []byte {
	t.Helper()
	hlen := int(b[8]) | int(b[9])<<8
	return b[10+hlen:]
}

// checkParts checks a finished job in out: the manifest's parts, read in
// order, hold exactly the data of want (an .npy of the whole data), and
// nothing else is left in out.
func checkParts(t *testing.T, out, want string, rows int) Manifest {
	t.Helper()
	var m Manifest
	b, err := os.ReadFile(filepath.Join(out, ManifestFile))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest: %v", err)
	}
	var got []byte
	names := []string{ManifestFile}
	for i, p := range m.Parts {
		if p.Part != i {
			t.Fatalf("part %d in place %d", p.Part, i)
		}
		b, err := os.ReadFile(filepath.Join(out, p.Name))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, npyData(t, b)...)
		names = append(names, p.Name)
	}
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != rows || !bytes.Equal(got, npyData(t, w)) {
		t.Fatalf("the parts hold %d rows (%d bytes) that differ from %s's %d bytes", m.Rows, len(got), filepath.Base(want), len(npyData(t, w)))
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if !slices.Contains(names, e.Name()) {
			t.Errorf("left in the output: %s", e.Name())
		}
	}
	return m
}

// Scoring and encoding files of different sizes and formats, split into
// shards of 400 rows, read in chunks of 397: the parts, in order, are sae
// score's and sae encode's output on the whole data, bit for bit (a shard
// of 3 rows, or a chunk of 3, fails it); the model is loaded once.
func TestScoreEncodeEqualCommand(t *testing.T) {
	f := getFixture(t)
	testChunkRows = 397
	defer func() { testChunkRows = 0 }()
	for _, mode := range []string{Score, Encode} {
		ref := filepath.Join(f.dir, mode+"-ref.npy")
		saeCommand(t, mode, "--model", f.model, "--data", f.whole, "--out", ref)
		models.Clear()
		modelLoads.Store(0)
		out := filepath.Join(f.dir, mode)
		b := Batch{Mode: mode, Model: f.model, Inputs: []string{filepath.Join(f.dir, "in", "rows-*.npy"), filepath.Join(f.dir, "in", "*.csv")}, Out: out, ShardRows: 400}
		if err := runBatch(b); err != nil {
			t.Fatal(err)
		}
		m := checkParts(t, out, ref, f.rows)
		if len(m.Parts) != 4+1+3+1 {
			t.Errorf("%d parts, want 9 (1500, 37, 1203 rows by 400, the last shard of 1203 taking its 3 rows, and the CSV)", len(m.Parts))
		}
		if n := modelLoads.Load(); n != 1 {
			t.Errorf("the model was loaded %d times", n)
		}
	}
}
