// Package safefile writes files and directories so that a crash at any moment
// leaves either the previous content or the new one, never a mixture: write to
// a temporary name beside the target, fsync, rename, fsync the directory.
package safefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write creates or replaces path with what fn writes. If fn or any step
// fails, path is left as it was and no temporary file remains.
func Write(path string, fn func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = fn(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// WriteDir creates or replaces the directory path with the files that fill
// writes into the directory it is given. The new directory is complete and
// synced before it takes the place of the old one; if fill fails, the old
// directory is untouched and nothing new remains.
func WriteDir(path string, fill func(dir string) error) (err error) {
	path = filepath.Clean(path)
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err = os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err = fill(tmp); err != nil {
		return err
	}
	if err = syncDir(tmp); err != nil {
		return err
	}
	// Move the old directory aside, put the new one in place, then remove the
	// old one. A crash in between leaves the old directory under a .old name.
	var old string
	if st, statErr := os.Lstat(path); statErr == nil {
		if !st.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", path)
		}
		old = filepath.Join(parent, "."+filepath.Base(path)+".old-"+filepath.Base(tmp))
		if err = os.Rename(path, old); err != nil {
			return err
		}
	} else if !errors.Is(statErr, os.ErrNotExist) {
		return statErr
	}
	if err = os.Rename(tmp, path); err != nil {
		if old != "" {
			os.Rename(old, path)
		}
		return err
	}
	if err = syncDir(parent); err != nil {
		return err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// WriteFileIn writes name inside dir through Write (helper for WriteDir fills).
func WriteFileIn(dir, name string, fn func(w io.Writer) error) error {
	return Write(filepath.Join(dir, name), fn)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// RemoveStale removes what writes of path interrupted by a crash left
// beside it: temporary files and directories (".NAME.tmp-*") and, when
// path exists, the previous directory a WriteDir had moved aside
// (".NAME.old-*"). When path is missing but such a previous directory
// remains (a crash between WriteDir's two renames), it is put back.
// Call it only when no other process is writing path.
func RemoveStale(path string) error {
	path = filepath.Clean(path)
	parent, base := filepath.Dir(path), filepath.Base(path)
	tmps, err := filepath.Glob(filepath.Join(parent, "."+globEscape(base)+".tmp-*"))
	if err != nil {
		return err
	}
	for _, t := range tmps {
		if err := os.RemoveAll(t); err != nil {
			return err
		}
	}
	olds, err := filepath.Glob(filepath.Join(parent, "."+globEscape(base)+".old-*"))
	if err != nil {
		return err
	}
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) && len(olds) > 0 {
		if err := os.Rename(olds[len(olds)-1], path); err != nil {
			return err
		}
		olds = olds[:len(olds)-1]
	}
	for _, o := range olds {
		if err := os.RemoveAll(o); err != nil {
			return err
		}
	}
	return nil
}

// globEscape quotes the pattern characters of a file name.
func globEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}
