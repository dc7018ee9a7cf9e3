package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sae-go/sae/internal/nn"
)

// bashComplete runs the bash script's function on the command line words
// (the last one being completed) in dir and returns the completions.
func bashComplete(t *testing.T, bash, script, dir string, words ...string) []string {
	t.Helper()
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
	}
	prog := `source "$SCRIPT"; COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _sae; printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SCRIPT="+script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v: %s", words, err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			got = append(got, l)
		}
	}
	slices.Sort(got)
	return got
}

// TestBashCompletion sources `sae completion bash` in bash and completes
// commands, flags, enumeration values (every sparsity kind of the kinds
// table), file and directory names, and --flag=value.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "sae.bash")
	f, err := os.Create(script)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := saeRun(t, "completion", "bash")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f.WriteString(stdout)
	f.Close()
	work := filepath.Join(dir, "work")
	os.MkdirAll(filepath.Join(work, "model"), 0o755)
	os.WriteFile(filepath.Join(work, "x.npy"), nil, 0o644)
	os.WriteFile(filepath.Join(work, "xy.csv"), nil, 0o644)

	var kinds []string
	for _, k := range nn.Kinds() {
		kinds = append(kinds, k.Name())
	}
	slices.Sort(kinds)
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"sae", "tr"}, []string{"train"}},
		{[]string{"sae", "co"}, []string{"completion"}},
		{[]string{"sae", "train", "--spar"}, []string{"--sparsity"}},
		{[]string{"sae", "score", "--qu"}, []string{"--quiet"}},
		{[]string{"sae", "train", "--json", "--spar"}, []string{"--sparsity"}}, // a boolean flag takes no value
		{[]string{"sae", "train", "--sparsity", ""}, kinds},
		{[]string{"sae", "sweep", "--sparsity", "batch"}, []string{"batchtopk"}},
		{[]string{"sae", "train", "--activation", "=", ""}, []string{"relu", "sigmoid", "tanh"}},
		{[]string{"sae", "train", "--optimizer", "=", "l"}, []string{"lbfgs"}},
		{[]string{"sae", "train", "--data", "x"}, []string{"x.npy", "xy.csv"}},
		{[]string{"sae", "score", "--model", ""}, []string{"model"}},
		{[]string{"sae", "train", "--hidden", ""}, nil},
		{[]string{"sae", "help", "sc"}, []string{"score"}},
		{[]string{"sae", "completion", ""}, []string{"bash", "fish", "zsh"}},
	} {
		got := bashComplete(t, bash, script, work, tc.words...)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: completions %q, want %q", strings.Join(tc.words, " "), got, tc.want)
		}
	}
	if got := bashComplete(t, bash, script, work, "sae", "train", "--"); len(got) < 40 || !slices.Contains(got, "--from-model") || !slices.Contains(got, "--target-l0") {
		t.Errorf("train's flags: %q", got)
	}
}

// Every model flag whose Config field is an enumeration completes its
// values; the scripts of the three shells are written, and a fourth is
// refused.
func TestCompletionScripts(t *testing.T) {
	for _, field := range []string{"activation", "sparsity", "l1-weight", "decoder-norm", "decoder-bias-init", "loss", "optimizer", "decay", "normalize", "precision"} {
		if len(settingChoices(field)) < 2 {
			t.Errorf("--%s: choices %q", field, settingChoices(field))
		}
	}
	if c := settingChoices("noise"); c != nil {
		t.Errorf("--noise is free text, got choices %q", c)
	}
	for _, sh := range shells {
		out, stderr, code := saeRun(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "sparsity") || !strings.Contains(out, "batchtopk") {
			t.Errorf("%s: exit %d %s", sh, code, stderr)
		}
	}
	if _, stderr, code := saeRun(t, "completion", "tcsh"); code != 2 || !strings.Contains(stderr, "want one shell") {
		t.Errorf("tcsh: exit %d %q", code, stderr)
	}
	if zsh, err := exec.LookPath("zsh"); err == nil {
		out, _, _ := saeRun(t, "completion", "zsh")
		if b, err := exec.Command(zsh, "-n", "-c", out).CombinedOutput(); err != nil {
			t.Errorf("zsh -n: %v %s", err, b)
		}
	}
	if fish, err := exec.LookPath("fish"); err == nil {
		out, _, _ := saeRun(t, "completion", "fish")
		if b, err := exec.Command(fish, "--no-execute", "-c", out).CombinedOutput(); err != nil {
			t.Errorf("fish --no-execute: %v %s", err, b)
		}
	}
}
