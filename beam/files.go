package saebeam

// Files on local disks and on Beam's filesystems: writes that appear whole
// or not at all, local copies of remote inputs and models, listings.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
)

// join is dir/name on dir's filesystem.
func join(dir, name string) string {
	if isLocal(dir) {
		return filepath.Join(dir, name)
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}

// base is the last element of a local or remote path.
func base(p string) string {
	if isLocal(p) {
		return filepath.Base(p)
	}
	return path.Base(p)
}

// tmpMarker is in the name of every temporary file a write leaves while it
// runs: .NAME.tmp-RANDOM beside NAME.
const tmpMarker = ".tmp-"

func tmpName(name string) string {
	var b [8]byte
	rand.Read(b[:])
	return "." + name + tmpMarker + hex.EncodeToString(b[:])
}

// writeFile writes dir/name through fill so that it appears whole or not
// at all: under a temporary name, then renamed (locally after an fsync of
// the file, and of the directory after the rename; on a filesystem that
// cannot rename, copied and removed; on one that can do neither, an object
// store, written directly: its objects appear when closed). A failed write
// removes its temporary file; one killed leaves it for Clean.
func writeFile(ctx context.Context, dir, name string, fill func(w io.Writer) error) error {
	if isLocal(dir) {
		return writeLocal(dir, name, fill)
	}
	fs, err := filesystem.New(ctx, dir)
	if err != nil {
		return err
	}
	defer fs.Close()
	final := join(dir, name)
	rn, canRename := fs.(filesystem.Renamer)
	cp, canCopy := fs.(filesystem.Copier)
	rm, canRemove := fs.(filesystem.Remover)
	target := final
	if canRename || canCopy && canRemove {
		target = join(dir, tmpName(name))
	}
	w, err := fs.OpenWrite(ctx, target)
	if err != nil {
		return fmt.Errorf("%s: %v", target, err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
	case target == final:
		return nil
	case canRename:
		err = rn.Rename(ctx, target, final)
	default:
		if err = cp.Copy(ctx, target, final); err == nil {
			err = rm.Remove(ctx, target)
		}
	}
	if err != nil && target != final && canRemove {
		rm.Remove(ctx, target)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", final, err)
	}
	return nil
}

func writeLocal(dir, name string, fill func(w io.Writer) error) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+name+tmpMarker+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("%s: %v", filepath.Join(dir, name), err)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = fill(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// list returns the names (not paths) of the files in dir.
func list(ctx context.Context, dir string) ([]string, error) {
	if isLocal(dir) {
		ents, err := os.ReadDir(dir)
		if os.IsNotExist(err) {
			return nil, nil
		}
		names := make([]string, 0, len(ents))
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names, err
	}
	fs, err := filesystem.New(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	paths, err := fs.List(ctx, join(dir, "*"))
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = base(p)
	}
	return names, err
}

// remove removes dir/name.
func remove(ctx context.Context, dir, name string) error {
	if isLocal(dir) {
		return os.Remove(join(dir, name))
	}
	fs, err := filesystem.New(ctx, dir)
	if err != nil {
		return err
	}
	defer fs.Close()
	rm, ok := fs.(filesystem.Remover)
	if !ok {
		return fmt.Errorf("%s: the filesystem cannot remove files", dir)
	}
	return rm.Remove(ctx, join(dir, name))
}

// fetch copies the remote file src to dst, a constant amount of memory at
// a time.
func fetch(ctx context.Context, src, dst string) error {
	fs, err := filesystem.New(ctx, src)
	if err != nil {
		return err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, src)
	if err != nil {
		return fmt.Errorf("%s: %v", src, err)
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("%s: %v", src, err)
	}
	return f.Close()
}

// localDir returns a local copy of the remote model directory dir (its
// files and its detector members' files) in a new temporary directory;
// done removes it.
func localDir(ctx context.Context, dir string) (local string, done func(), err error) {
	local, err = os.MkdirTemp("", "saebeam-model-")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.RemoveAll(local) }
	fs, err := filesystem.New(ctx, dir)
	if err != nil {
		done()
		return "", nil, err
	}
	defer fs.Close()
	root := strings.TrimSuffix(dir, "/")
	for _, glob := range []string{root + "/*", root + "/detector/*/*"} {
		files, err := fs.List(ctx, glob)
		if err != nil {
			done()
			return "", nil, fmt.Errorf("%s: %v", dir, err)
		}
		for _, f := range files {
			rel := strings.TrimPrefix(strings.TrimPrefix(f, root), "/")
			if err := fetch(ctx, f, filepath.Join(local, filepath.FromSlash(rel))); err != nil {
				done()
				return "", nil, err
			}
		}
	}
	return local, done, nil
}

// localFile copies the remote file src into a new temporary directory
// under its own name (which tells its format); done removes the copy.
func localFile(ctx context.Context, src string) (local string, done func(), err error) {
	dir, err := os.MkdirTemp("", "saebeam-input-")
	if err != nil {
		return "", nil, err
	}
	local = filepath.Join(dir, base(src))
	if err := fetch(ctx, src, local); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return local, func() { os.RemoveAll(dir) }, nil
}
