package synth

import (
	"math/rand/v2"
	"testing"
)

func TestStrokesImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	s := NewStrokes(20, 16, rng)
	if len(s.Atoms) != 20 {
		t.Fatalf("%d atoms", len(s.Atoms))
	}
	for i, a := range s.Atoms {
		var ink float32
		for _, v := range a {
			if v < 0 || v > 1 {
				t.Fatalf("atom %d has value %g outside [0,1]", i, v)
			}
			ink += v
		}
		if ink < 3 {
			t.Fatalf("atom %d is nearly empty (ink %g)", i, ink)
		}
	}
	x, used := s.Images(50, 2, 3, rng)
	if len(x) != 50*256 || len(used) != 50 {
		t.Fatalf("shape: %d values, %d rows", len(x), len(used))
	}
	for i, u := range used {
		if len(u) < 2 || len(u) > 3 {
			t.Fatalf("image %d uses %d strokes", i, len(u))
		}
	}
	an := s.Anomalies(10, rng)
	if len(an) != 10*256 {
		t.Fatalf("%d anomaly values", len(an))
	}
}
