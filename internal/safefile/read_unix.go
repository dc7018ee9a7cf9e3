//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openNonblock keeps open(2) from waiting for a writer on a named pipe.
const openNonblock = syscall.O_NONBLOCK

// clearNonblock puts a regular file back in blocking mode (which regular
// files ignore anyway) so that reads go through the usual path.
func clearNonblock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
