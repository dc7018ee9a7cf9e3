package kernels

import "testing"

func TestScratchGrow(t *testing.T) {
	var s scratch
	// fresh checks that f holds n zeroed floats.
	fresh := func(what string, f []float32, n int) {
		t.Helper()
		if len(f) != n {
			t.Fatalf("%s: %d floats, want %d", what, len(f), n)
		}
		for i, v := range f {
			if v != 0 {
				t.Fatalf("%s: [%d] = %g, want 0", what, i, v)
			}
		}
	}
	a := s.grow(1000)
	fresh("new buffer", a, 1000)
	for i := range a {
		a[i] = float32(i)
	}
	// A smaller request reuses the buffer and keeps its contents.
	b := s.grow(10)
	if len(b) != 10 || &b[0] != &a[0] || b[9] != 9 {
		t.Fatalf("grow(10) after grow(1000): len %d, same storage %v, b[9] = %g", len(b), &b[0] == &a[0], b[9])
	}
	// A larger one replaces it with zeroed storage.
	c := s.grow(100000)
	fresh("replaced buffer", c, 100000)
	c[len(c)-1] = 1
	s.release()
	if s.f != nil || s.mapped {
		t.Fatal("release left the buffer")
	}
	if len(s.grow(0)) != 0 {
		t.Fatal("grow(0) of a released buffer is not empty")
	}
}
