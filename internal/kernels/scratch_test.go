package kernels

import "testing"

func TestScratchGrow(t *testing.T) {
	var s scratch
	a := s.grow(1000)
	if len(a) != 1000 {
		t.Fatalf("grow(1000): %d floats", len(a))
	}
	for i, v := range a {
		if v != 0 {
			t.Fatalf("new buffer: a[%d] = %g, want 0", i, v)
		}
		a[i] = float32(i)
	}
	// A smaller request reuses the buffer and keeps its contents.
	b := s.grow(10)
	if len(b) != 10 || &b[0] != &a[0] || b[9] != 9 {
		t.Fatalf("grow(10) after grow(1000): len %d, same storage %v, b[9] = %g", len(b), &b[0] == &a[0], b[9])
	}
	// A larger one replaces it with zeroed storage.
	c := s.grow(100000)
	if len(c) != 100000 {
		t.Fatalf("grow(100000): %d floats", len(c))
	}
	for i, v := range c {
		if v != 0 {
			t.Fatalf("replaced buffer: c[%d] = %g, want 0", i, v)
		}
	}
	c[len(c)-1] = 1
	s.release()
	if s.f != nil || s.mapped {
		t.Fatal("release left the buffer")
	}
	if len(s.grow(0)) != 0 {
		t.Fatal("grow(0) of a released buffer is not empty")
	}
}
