package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	for _, content := range []string{"first", "second"} {
		if err := Write(p, func(w io.Writer) error { _, err := io.WriteString(w, content); return err }); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if string(got) != content {
			t.Fatalf("got %q, want %q", got, content)
		}
	}
	boom := errors.New("boom")
	err := Write(p, func(w io.Writer) error { io.WriteString(w, "partial"); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "second" {
		t.Fatalf("failed write changed the file to %q", got)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("%d entries in the directory, want 1 (temporary file left?)", len(ents))
	}
}

func TestWriteDirReplacesAtomically(t *testing.T) {
	parent := t.TempDir()
	d := filepath.Join(parent, "model")
	fill := func(content string) func(string) error {
		return func(tmp string) error {
			return WriteFileIn(tmp, "a", func(w io.Writer) error { _, err := io.WriteString(w, content); return err })
		}
	}
	if err := WriteDir(d, fill("v1")); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(d, fill("v2")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(d, "a"))
	if string(got) != "v2" {
		t.Fatalf("got %q", got)
	}
	// A failing fill leaves the old directory and no temporary one.
	err := WriteDir(d, func(tmp string) error {
		fill("v3")(tmp)
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("no error from a failing fill")
	}
	got, _ = os.ReadFile(filepath.Join(d, "a"))
	if string(got) != "v2" {
		t.Fatalf("failed WriteDir changed the content to %q", got)
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 {
		names := []string{}
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("parent holds %v, want only model", names)
	}
	// A regular file in the way is an error, not a silent replacement.
	f := filepath.Join(parent, "file")
	os.WriteFile(f, []byte("x"), 0o644)
	if err := WriteDir(f, fill("v")); err == nil {
		t.Fatal("WriteDir replaced a regular file")
	}
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m[1]")
	// A crash between WriteDir's renames: only the moved-aside directory.
	old := filepath.Join(dir, ".m[1].old-x")
	os.MkdirAll(old, 0o755)
	os.WriteFile(filepath.Join(old, "f"), []byte("previous"), 0o644)
	os.WriteFile(filepath.Join(dir, ".m[1].tmp-123"), []byte("half"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".m[1].tmp-dir"), 0o755)
	os.WriteFile(filepath.Join(dir, ".other.tmp-1"), []byte("not ours"), 0o644)
	if err := RemoveStale(m); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(m, "f")); err != nil || string(b) != "previous" {
		t.Fatalf("the previous directory was not put back: %q %v", b, err)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != ".other.tmp-1" || names[1] != "m[1]" {
		t.Fatalf("left %v", names)
	}
	// With the directory in place, a leftover previous one is removed.
	os.MkdirAll(old, 0o755)
	if err := RemoveStale(m); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatal("the stale previous directory remains")
	}
}
