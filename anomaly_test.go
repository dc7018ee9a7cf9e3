package sae

import "testing"

// The anomaly detector's members' phases name the member, and Phase.Detector
// reads it back; other phases are not a member's.
func TestDetectorPhase(t *testing.T) {
	p := detectorPhase(2, 3, PhaseSparse)
	if p != "detector 2/3 sparse" {
		t.Errorf("detectorPhase(2, 3, sparse) = %q", p)
	}
	if i, k, ok := p.Detector(); !ok || i != 2 || k != 3 {
		t.Errorf("%q.Detector() = %d, %d, %v; want 2, 3, true", p, i, k, ok)
	}
	for _, q := range []Phase{PhaseSparse, PhaseFinal, "pretrain 1/2", "detector 1/2"} {
		if _, _, ok := q.Detector(); ok {
			t.Errorf("%q.Detector() reports a detector member", q)
		}
	}
}
