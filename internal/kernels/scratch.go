package kernels

// scratch is a float32 work buffer that the packed GEMM reuses across
// calls and replaces when a call needs more. Where the OS allows it the
// floats live outside the Go heap (scratch_unix.go): a replaced buffer is
// then returned to the OS at once instead of staying resident as garbage
// until a collection, and the first products of a training step, each a
// little larger than the last, do not leave their outgrown buffers in the
// process's peak memory.
type scratch struct {
	f      []float32
	mapped bool // f is mapped by mapFloats and released by unmapFloats
}

// grow returns n floats of the buffer, replacing it (contents lost) when
// it holds fewer.
func (s *scratch) grow(n int) []float32 {
	if cap(s.f) >= n {
		return s.f[:n]
	}
	s.release()
	if f, ok := mapFloats(n); ok {
		s.f, s.mapped = f, true
	} else {
		s.f = make([]float32, n)
	}
	return s.f
}

func (s *scratch) release() {
	if s.mapped {
		unmapFloats(s.f)
	}
	s.f, s.mapped = nil, false
}
