package safefile

// Reading a file that may not be what its name promises: a model
// directory written by someone else can hold a symlink to /dev/zero (a
// read that never ends), a named pipe (an open that never returns) or a
// file far larger than what it should hold. ReadRegular opens without
// blocking, refuses anything but a regular file, and reads no more than
// the size it was told to expect.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// ErrNotRegular is wrapped by the error ReadRegular returns for a
// directory, a device, a named pipe or a socket.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error ReadRegular returns for a file
// larger than its limit.
var ErrTooLarge = errors.New("too large")

// Error is the error OpenRegular and ReadRegular return: the file and
// what is wrong with it, printed as "path: what".
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

func fail(path string, format string, a ...any) error {
	return &Error{Path: path, Err: fmt.Errorf(format, a...)}
}

// OpenRegular opens path for reading, following symbolic links, and
// returns the file and its size. The open does not block on a named pipe
// or a device, and anything but a regular file is refused with an error
// wrapping ErrNotRegular, as is a file of more than max bytes with one
// wrapping ErrTooLarge. Every error is an *Error.
func OpenRegular(path string, max int64) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, 0, fail(path, "cannot open: %w", pe.Err)
		}
		return nil, 0, &Error{path, err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fail(path, "cannot stat: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fail(path, "%w (%s)", ErrNotRegular, fileKind(st.Mode()))
	}
	if st.Size() > max {
		f.Close()
		return nil, 0, fail(path, "%w: %d bytes, at most %d expected", ErrTooLarge, st.Size(), max)
	}
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, 0, &Error{path, err}
	}
	return f, st.Size(), nil
}

// ReadRegular reads the whole of path, which must be a regular file of at
// most max bytes (see OpenRegular). It reads the size the file had when
// opened and no more: a file that grows or shrinks meanwhile is an error.
func ReadRegular(path string, max int64) ([]byte, error) {
	if max > math.MaxInt-1 {
		max = math.MaxInt - 1 // what a []byte may hold (32-bit platforms)
	}
	f, size, err := OpenRegular(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fail(path, "changed while read: %d bytes expected: %w", size, err)
	}
	var one [1]byte
	if n, _ := f.Read(one[:]); n > 0 {
		return nil, fail(path, "changed while read: more than the %d bytes it held when opened", size)
	}
	return b, nil
}

// fileKind names a file type for an error message.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "an irregular file"
}
