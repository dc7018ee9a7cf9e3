package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
)

// A phase that ran out of its plateau schedule's budget says how to give it
// a longer one, and the advice for the sparse phase keeps the schedule: a
// run with --epochs N --decay plateau stops on the budget again (the cosine
// schedule --epochs alone asks for would say it ran its epochs).
func TestBudgetStopSaysHowToGoOn(t *testing.T) {
	dir := t.TempDir()
	x, _ := writeData(t, dir)
	for _, tc := range []struct{ epochs, want string }{
		{"", ""}, // the default's budget: converges on these rows
		{"3", "sparse phase ran out of its 3 epochs while still improving (for a longer bound: --epochs N --decay plateau)"},
		{"6", "sparse phase ran out of its 6 epochs while still improving (for a longer bound: --epochs N --decay plateau)"},
	} {
		args := []string{"train", "--data", x, "--out", filepath.Join(dir, "m"+tc.epochs), "--ensemble", "1", "--threads", "1"}
		if tc.epochs != "" {
			args = append(args, "--epochs", tc.epochs, "--decay", "plateau")
		}
		out, stderr, code := saeRun(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if tc.want == "" {
			if strings.Contains(out, "while still improving") {
				t.Errorf("default run: %q", out)
			}
			continue
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("--epochs %s --decay plateau: the summary does not say %q:\n%s", tc.epochs, tc.want, out)
		}
	}
	for phase, want := range map[sae.Phase]string{
		sae.PhaseSparse: "--epochs N --decay plateau", sae.PhaseFinetune: "--finetune-epochs",
		sae.PhaseSupervised: "--supervised-epochs", sae.PhaseScratch: "--supervised-epochs",
	} {
		h := &sae.History{Stops: []sae.PhaseStop{{Phase: phase, Reason: sae.StopBudget, Epochs: 7}}}
		if got := stopSummary(h); !strings.Contains(got, want) || !strings.Contains(got, "7 epochs") {
			t.Errorf("%s: %q does not name %s", phase, got, want)
		}
	}
}
