//go:build !unix

package nn

// cpuSeconds is not measured here (see cputime_unix_test.go).
func cpuSeconds() float64 { return -1 }
