package saebeam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"
)

// A bundle that fails half-way through a part, and one that fails after
// writing its part: the job fails, and leaves no part that is not whole;
// run again (a runner's retry), the parts hold each row exactly once and
// nothing else is left.
func TestFailedBundleRetried(t *testing.T) {
	f := getFixture(t)
	ref := filepath.Join(f.dir, "score-ref.npy")
	saeCommand(t, "score", "--model", f.model, "--data", f.whole, "--out", ref)
	for _, c := range []struct {
		name string
		when func(part, rows int) bool
	}{
		{"mid-part", func(part, rows int) bool { return part == 2 && rows > 0 && rows < 400 }},
		{"after the part", func(part, rows int) bool { return part == 5 && rows < 0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			b := Batch{Mode: Score, Model: f.model, Inputs: f.pieces, Out: out, ShardRows: 400}
			failHook = func(part, rows int) error {
				if c.when(part, rows) {
					return errors.New("injected failure")
				}
				return nil
			}
			testChunkRows = 100
			defer func() { failHook, testChunkRows = nil, 0 }()
			err := runBatch(b)
			if err == nil || !strings.Contains(err.Error(), "injected failure") {
				t.Fatalf("the job did not fail: %v", err)
			}
			if _, err := os.Stat(filepath.Join(out, ManifestFile)); err == nil {
				t.Fatal("a failed job wrote its manifest")
			}
			checkWholeParts(t, out)
			failHook = nil
			if err := runBatch(b); err != nil {
				t.Fatal(err)
			}
			checkParts(t, out, ref, f.rows)
		})
	}
}

// checkWholeParts checks that every part in out is a whole .npy: its
// header's rows are all there.
func checkWholeParts(t *testing.T, out string) {
	t.Helper()
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if !isPart(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 10 || len(b) < 10+(int(b[8])|int(b[9])<<8) {
			t.Fatalf("%s is not whole: %d bytes", e.Name(), len(b))
		}
		var rows, cols int
		h := string(b[10 : 10+int(b[8])|int(b[9])<<8])
		_, shape, _ := strings.Cut(h, "'shape': ")
		if _, err := fmt.Sscanf(shape, "(%d, %d)", &rows, &cols); err != nil || len(npyData(t, b)) != 4*rows*cols {
			t.Fatalf("%s is not whole: header %q, %d data bytes", e.Name(), h, len(npyData(t, b)))
		}
	}
}

// The job is killed (SIGKILL of its process, workers and all) in the
// middle: no manifest, only whole parts; the same job run again completes
// with each row exactly once and no temporary file left.
func TestKilledJob(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline in a child process")
	}
	f := getFixture(t)
	ref := filepath.Join(f.dir, "encode-ref.npy")
	saeCommand(t, "encode", "--model", f.model, "--data", f.whole, "--out", ref)
	out := filepath.Join(t.TempDir(), "out")
	b := Batch{Mode: Encode, Model: f.model, Inputs: f.pieces, Out: out, ShardRows: 400}
	job, _ := json.Marshal(b)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(job), "SAEBEAM_TEST_CHUNK=50")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has written two parts and is writing others.
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		ents, _ := os.ReadDir(out)
		parts, tmp := 0, 0
		for _, e := range ents {
			if isPart(e.Name()) {
				parts++
			} else if strings.Contains(e.Name(), tmpMarker) {
				tmp++
			}
		}
		if parts >= 2 && tmp > 0 {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, ManifestFile)); err == nil {
		t.Fatalf("the job finished before it was killed:\n%s", stderr.String())
	}
	ents, _ := os.ReadDir(out)
	t.Logf("killed with %d files in the output", len(ents))
	checkWholeParts(t, out)
	if err := runBatch(b); err != nil {
		t.Fatal(err)
	}
	checkParts(t, out, ref, f.rows)
}

// Model, inputs and output on a Beam filesystem (memfs here; gs:// and
// s3:// the same way): the inputs are copied to the workers' disks, one
// shard each, and the parts are written there, the same bytes.
func TestRemoteFilesystem(t *testing.T) {
	f := getFixture(t)
	ref := filepath.Join(f.dir, "score-ref.npy")
	saeCommand(t, "score", "--model", f.model, "--data", f.whole, "--out", ref)
	put := func(local, remote string) {
		b, err := os.ReadFile(local)
		if err != nil {
			t.Fatal(err)
		}
		memfs.Write(remote, b)
	}
	filepath.Walk(f.model, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(f.model, p)
			put(p, "memfs://m/model/"+filepath.ToSlash(rel))
		}
		return nil
	})
	for _, p := range f.pieces {
		put(p, "memfs://m/in/"+filepath.Base(p))
	}
	models.Clear()
	b := Batch{Mode: Score, Model: "memfs://m/model", Inputs: []string{"memfs://m/in/rows-*"}, Out: "memfs://m/out"}
	if err := runBatch(b); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fs, _ := filesystem.New(ctx, "memfs://m")
	var m Manifest
	if err := json.Unmarshal(readAll(t, fs, "memfs://m/out/"+ManifestFile), &m); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "local")
	os.MkdirAll(local, 0o755)
	for _, p := range m.Parts {
		os.WriteFile(filepath.Join(local, p.Name), readAll(t, fs, "memfs://m/out/"+p.Name), 0o644)
	}
	os.WriteFile(filepath.Join(local, ManifestFile), readAll(t, fs, "memfs://m/out/"+ManifestFile), 0o644)
	if got := checkParts(t, local, ref, f.rows); len(got.Parts) != 4 {
		t.Errorf("%d parts, want one per remote file", len(got.Parts))
	}
	if left, _ := fs.List(ctx, "memfs://m/out/.*"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func readAll(t *testing.T, fs filesystem.Interface, p string) []byte {
	t.Helper()
	r, err := fs.OpenRead(context.Background(), p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	defer r.Close()
	var b bytes.Buffer
	b.ReadFrom(r)
	return b.Bytes()
}
