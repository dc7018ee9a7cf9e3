//go:build unix

package main

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// TestPeakRSSGrows checks that the figure follows a 64 MiB allocation
// touched page by page. It runs in a fresh process: in this one, earlier
// tests may have set the high-water mark above what it can show.
func TestPeakRSSGrows(t *testing.T) {
	if os.Getenv("SAE_TEST_PEAK_RSS") == "1" {
		before := peakRSSMiB()
		if before <= 0 {
			t.Skip("no peak RSS on this system")
		}
		b := make([]byte, 64<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		after := peakRSSMiB()
		runtime.KeepAlive(b)
		if after < before+60 {
			t.Errorf("peak RSS %.1f MiB after touching 64 MiB, was %.1f", after, before)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeakRSSGrows$", "-test.v")
	cmd.Env = append(os.Environ(), "SAE_TEST_PEAK_RSS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
