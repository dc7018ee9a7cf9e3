package sae

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// goVersion is a go line's version as numbers (1.26 is 1.26.0).
func goVersion(s string) [3]int {
	var v [3]int
	for i, f := range strings.SplitN(s, ".", 3) {
		n, _ := strconv.Atoi(strings.TrimLeftFunc(f, func(r rune) bool { return r < '0' || r > '9' }))
		v[i] = n
	}
	return v
}

func compareGo(a, b string) int {
	va, vb := goVersion(a), goVersion(b)
	for i := range va {
		if va[i] != vb[i] {
			return va[i] - vb[i]
		}
	}
	return 0
}

// TestGoModDeclaresLowestGo: go.mod's go line is the lowest Go release the
// module can be built with, the highest go line among the modules it
// needs (a patch release adds no language feature or standard library
// symbol; go vet's stdversion check holds the code to the line). Skipped
// when the go command cannot list the modules (no module cache, no
// network).
func TestGoModDeclaresLowestGo(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goBin, "list", "-mod=readonly", "-m", "-f", "{{if not .Main}}{{.GoVersion}}{{end}}", "all").Output()
	if err != nil {
		t.Skipf("go list -m all: %v", err)
	}
	need := "0"
	for _, v := range strings.Fields(string(out)) {
		if compareGo(v, need) > 0 {
			need = v
		}
	}
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	declared := ""
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if v, ok := strings.CutPrefix(sc.Text(), "go "); ok {
			declared = strings.TrimSpace(v)
		}
	}
	if declared == "" {
		t.Fatal("go.mod has no go line")
	}
	if compareGo(declared, need) != 0 {
		t.Errorf("go.mod says go %s; the modules it needs ask for go %s at most: declare that", declared, need)
	}
}
