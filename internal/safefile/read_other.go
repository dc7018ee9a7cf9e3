//go:build !unix

package safefile

import "os"

const openNonblock = 0

func clearNonblock(*os.File) error { return nil }
