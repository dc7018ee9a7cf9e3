package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
)

// saeRunStdin runs the command line with stdin reading in.
func saeRunStdin(t *testing.T, in string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(withStdin(context.Background(), strings.NewReader(in)), args, &out, &errb)
	return out.String(), errb.String(), code
}

// Every command with a --data flag has the table flags, with one help text
// each (one definition), and none without.
func TestTableFlagsOnEveryDataCommand(t *testing.T) {
	usage := map[string]string{}
	n := 0
	for _, c := range commands {
		fs, _ := newFlagSet(c, &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
		hasData := fs.Lookup("data") != nil
		for _, name := range tableFlagNames {
			f := fs.Lookup(name)
			if (f != nil) != hasData {
				t.Errorf("sae %s: --data %v but --%s %v", c.name, hasData, name, f != nil)
				continue
			}
			if f == nil {
				continue
			}
			if u, ok := usage[name]; ok && u != f.Usage {
				t.Errorf("sae %s --%s: help differs from another command's", c.name, name)
			}
			usage[name] = f.Usage
		}
		if hasData {
			n++
		}
	}
	for _, want := range []string{"train", "score", "encode", "reconstruct", "eval", "report", "probe", "bench", "inspect", "sweep", "predict", "import"} {
		c := lookup(want)
		fs, _ := newFlagSet(c, &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
		if fs.Lookup("columns") == nil {
			t.Errorf("sae %s has no --columns", want)
		}
	}
	if n < 12 {
		t.Errorf("%d commands read --data, want at least 12", n)
	}
}

// tableRows are n rows of the columns a, b, c (c = a + b with noise).
func tableRows(n int, seed uint64) [][3]float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	rows := make([][3]float64, n)
	for i := range rows {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		rows[i] = [3]float64{a, b, a + b + 0.1*rng.NormFloat64()}
	}
	return rows
}

// writeText writes a text file under dir.
func writeText(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRun(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, stderr, code := saeRun(t, args...)
	if code != 0 {
		t.Fatalf("sae %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return out, stderr
}

func readConfig(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, sae.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A model trained on columns chosen from a CSV with a text id column and
// a text column remembers their names; score, encode, eval and
// reconstruct on a table with the columns in another order and others
// beside them read the same columns by name (the same scores as the rows
// in training's order), a table without one of them is an error naming
// it, and reconstruct's CSV keeps the names.
func TestColumnsByName(t *testing.T) {
	dir := t.TempDir()
	rows := tableRows(160, 1)
	var train, shuffled, missing strings.Builder
	train.WriteString("host,a,note,b,c\n")
	shuffled.WriteString("c,extra,b,host,a\n")
	missing.WriteString("host,a,c\n")
	var plain strings.Builder
	for i, r := range rows {
		fmt.Fprintf(&train, "h%d,%g,word %d,%g,%g\n", i, r[0], i, r[1], r[2])
		fmt.Fprintf(&shuffled, "%g,%d,%g,h%d,%g\n", r[2], 7*i, r[1], i, r[0])
		fmt.Fprintf(&missing, "h%d,%g,%g\n", i, r[0], r[2])
		fmt.Fprintf(&plain, "%g,%g,%g\n", r[0], r[1], r[2])
	}
	trainCSV := writeText(t, dir, "train.csv", train.String())
	shuffledCSV := writeText(t, dir, "shuffled.csv", shuffled.String())
	missingCSV := writeText(t, dir, "missing.csv", missing.String())
	plainCSV := writeText(t, dir, "plain.csv", plain.String())
	model := filepath.Join(dir, "m")
	// Without --drop, the text column is refused with its place.
	if _, stderr, code := saeRun(t, "train", "--data", trainCSV, "--out", model, "--id-column", "host"); code != 1 || !strings.Contains(stderr, `train.csv: line 2 column 3: "word 0" is not a number`) {
		t.Fatalf("a text column: exit %d: %s", code, stderr)
	}
	mustRun(t, "train", "--data", trainCSV, "--out", model, "--id-column", "host", "--drop", "note", "--hidden", "4", "--epochs", "3", "--seed", "2")
	if got := readConfig(t, model)["columns"]; fmt.Sprint(got) != "[a b c]" {
		t.Fatalf("config.json columns %v, want [a b c]", got)
	}
	score := func(path string, extra ...string) string {
		out := filepath.Join(dir, fmt.Sprintf("s%d.csv", len(extra)+strings.Count(path, "/")))
		os.Remove(out)
		mustRun(t, append([]string{"score", "--model", model, "--data", path, "--out", out}, extra...)...)
		b, _ := os.ReadFile(out)
		return string(b)
	}
	want := score(plainCSV) // a headerless CSV: the columns as they are
	withIDs := score(shuffledCSV, "--id-column", "host")
	var stripped strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(withIDs, "\n"), "\n") {
		id, rest, _ := strings.Cut(line, ",")
		if wantID := map[bool]string{true: "host", false: fmt.Sprintf("h%d", i-1)}[i == 0]; id != wantID {
			t.Fatalf("line %d of the scores starts %q, want the id %q", i+1, id, wantID)
		}
		stripped.WriteString(rest + "\n")
	}
	if stripped.String() != want {
		t.Errorf("scores of the columns by name differ from those of the columns in order")
	}
	if got := score(shuffledCSV, "--columns", "a,b,c"); got != want {
		t.Errorf("scores with --columns a,b,c differ")
	}
	for _, cmd := range []string{"score", "encode", "eval", "reconstruct"} {
		args := []string{cmd, "--model", model, "--data", missingCSV}
		if cmd == "encode" || cmd == "reconstruct" {
			args = append(args, "--out", filepath.Join(dir, "o.csv"))
		}
		_, stderr, code := saeRun(t, args...)
		if code != 1 || !strings.Contains(stderr, `missing.csv: no column "b", which the model was trained on (its columns: a, b, c`) {
			t.Errorf("%s on a table without b: exit %d: %s", cmd, code, stderr)
		}
	}
	rec := filepath.Join(dir, "rec.csv")
	mustRun(t, "reconstruct", "--model", model, "--data", shuffledCSV, "--id-column", "host", "--out", rec)
	codes := filepath.Join(dir, "codes.csv")
	mustRun(t, "encode", "--model", model, "--data", shuffledCSV, "--drop", "extra,host", "--columns", "a,b,c,extra,host", "--out", codes)
	// The report's table of columns names them (a model trained on them,
	// the table read by name).
	page := filepath.Join(dir, "r.html")
	mustRun(t, "report", "--model", model, "--data", shuffledCSV, "--id-column", "host", "--out", page)
	html, _ := os.ReadFile(page)
	for _, c := range []string{"<td>a (0)", "<td>b (1)", "<td>c (2)", "share of the error"} {
		if !strings.Contains(string(html), c) {
			t.Errorf("the report has no %q", c)
		}
	}
	for path, header := range map[string]string{rec: "host,a,b,c\nh0,", codes: "latent_0,latent_1,latent_2,latent_3\n"} {
		b, _ := os.ReadFile(path)
		if !strings.HasPrefix(string(b), header) {
			t.Errorf("%s starts %q, want the header %q", filepath.Base(path), strings.SplitN(string(b), "\n", 2)[0], header)
		}
	}
}

// --nan: error names the file, line and column and says how to read
// missing values; drop leaves rows out and says how many; median fills
// training's gaps with the training medians, stores them in the model,
// and later commands fill with those, not with their own data's.
func TestMissingValuePolicy(t *testing.T) {
	dir := t.TempDir()
	rows := tableRows(120, 4)
	var b strings.Builder
	b.WriteString("a,b,c\n")
	var colB []float64
	for i, r := range rows {
		switch {
		case i%10 == 3:
			fmt.Fprintf(&b, "%g,,%g\n", r[0], r[2])
		case i%10 == 7:
			fmt.Fprintf(&b, "%g,NA,%g\n", r[0], r[2])
		default:
			fmt.Fprintf(&b, "%g,%g,%g\n", r[0], r[1], r[2])
			colB = append(colB, float64(float32(r[1])))
		}
	}
	csv := writeText(t, dir, "x.csv", b.String())
	model := filepath.Join(dir, "m")
	_, stderr, code := saeRun(t, "train", "--data", csv, "--out", model)
	if code != 1 || !strings.Contains(stderr, "x.csv: line 5 column 2: empty field (--nan drop or --nan median reads missing values)") {
		t.Fatalf("--nan error: exit %d: %s", code, stderr)
	}
	_, stderr = mustRun(t, "train", "--data", csv, "--out", model, "--nan", "drop", "--hidden", "3", "--epochs", "2")
	if !strings.Contains(stderr, "x.csv: dropped 24 of 120 rows with missing values") {
		t.Errorf("--nan drop says: %s", stderr)
	}
	_, stderr = mustRun(t, "train", "--data", csv, "--out", model, "--nan", "median", "--hidden", "3", "--epochs", "2")
	if !strings.Contains(stderr, "filled 24 missing values with the training data's medians") {
		t.Errorf("--nan median says: %s", stderr)
	}
	sort.Float64s(colB)
	median := float32((colB[len(colB)/2-1] + colB[len(colB)/2]) / 2)
	m, err := sae.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Fill) != 3 || m.Fill[1] != median {
		t.Fatalf("stored medians %v, want b's %v", m.Fill, median)
	}
	// Later data with a gap: filled with the training median, so its
	// score is that of the row with the median written in.
	gap := writeText(t, dir, "gap.csv", "a,b,c\n0.5,,1\n0.5,null,1\n")
	filled := writeText(t, dir, "filled.csv", fmt.Sprintf("a,b,c\n0.5,%g,1\n0.5,%g,1\n", median, median))
	got, _ := mustRun(t, "score", "--model", model, "--data", gap, "--nan", "median", "--out", "-")
	want, _ := mustRun(t, "score", "--model", model, "--data", filled, "--out", "-")
	if got != want || !strings.HasPrefix(got, "score,anomalous\n") {
		t.Errorf("scores of the gaps filled:\n%s\nwant those of the medians written in:\n%s", got, want)
	}
	// --explain numbers rows as the file does, whatever rows --nan drop
	// left out before them.
	planted := writeText(t, dir, "planted.csv", "a,b,c\n0.1,0.2,0.3\n1,,2\nNA,1,1\n50,-50,3\n")
	out, _ := mustRun(t, "score", "--model", model, "--data", planted, "--nan", "drop", "--threshold", "0", "--explain", "1", "--json")
	var o struct {
		Explanations []struct{ Row int } `json:"explanations"`
	}
	if err := json.Unmarshal([]byte(out), &o); err != nil || len(o.Explanations) != 1 || o.Explanations[0].Row != 3 {
		t.Errorf("--explain after --nan drop: %s, want row 3 (the file's)", out)
	}
	if _, stderr, code := saeRun(t, "score", "--model", model, "--data", gap, "--nan", "drop", "--labels", gap); code != 2 || !strings.Contains(stderr, "--labels would no longer pair") {
		t.Errorf("--nan drop with --labels: exit %d: %s", code, stderr)
	}
	if _, stderr, code := saeRun(t, "eval", "--model", model, "--data", gap, "--nan", "zero"); code != 2 || !strings.Contains(stderr, `--nan "zero": want error, drop or median`) {
		t.Errorf("--nan zero: exit %d: %s", code, stderr)
	}
}

// TSV and JSON lines (objects in any key order, and arrays) train the
// model a CSV of the same rows trains, byte for byte; "-" reads CSV or
// JSON lines from stdin and writes CSV to stdout.
func TestTSVJSONLinesAndStdin(t *testing.T) {
	dir := t.TempDir()
	rows := tableRows(100, 9)
	var csv, tsv, objs, arrs strings.Builder
	csv.WriteString("a,b,c\n")
	tsv.WriteString("a\tb\tc\n")
	for i, r := range rows {
		fmt.Fprintf(&csv, "%g,%g,%g\n", r[0], r[1], r[2])
		fmt.Fprintf(&tsv, "%g\t%g\t%g\n", r[0], r[1], r[2])
		if i == 0 {
			fmt.Fprintf(&objs, `{"a": %g, "b": %g, "c": %g}`+"\n", r[0], r[1], r[2])
		} else {
			fmt.Fprintf(&objs, `{"c": %g, "a": %g, "b": %g}`+"\n", r[2], r[0], r[1])
		}
		fmt.Fprintf(&arrs, "[%g, %g, %g]\n", r[0], r[1], r[2])
	}
	files := map[string]string{"x.csv": csv.String(), "x.tsv": tsv.String(), "x.jsonl": objs.String(), "x.ndjson": arrs.String()}
	var ref []byte
	for _, name := range []string{"x.csv", "x.tsv", "x.jsonl", "x.ndjson"} {
		p := writeText(t, dir, name, files[name])
		out := filepath.Join(dir, "m-"+name)
		mustRun(t, "train", "--data", p, "--out", out, "--hidden", "3", "--epochs", "2", "--seed", "5")
		w, err := os.ReadFile(filepath.Join(out, sae.WeightsFile))
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = w
		} else if !bytes.Equal(w, ref) {
			t.Errorf("the model trained on %s differs from the CSV's", name)
		}
	}
	model := filepath.Join(dir, "m-x.csv")
	want, _ := mustRun(t, "encode", "--model", model, "--data", filepath.Join(dir, "x.csv"), "--out", "-")
	for _, in := range []string{csv.String(), objs.String()} {
		got, stderr, code := saeRunStdin(t, in, "encode", "--model", model, "--data", "-", "--out", "-")
		if code != 0 || got != want {
			t.Errorf("encode from stdin to stdout: exit %d %s\n%.200s\nwant\n%.200s", code, stderr, got, want)
		}
		if !strings.Contains(stderr, "wrote stdout: 100 rows x 3 codes") {
			t.Errorf("the summary goes to stderr: %q", stderr)
		}
	}
	m, err := data.Load(writeText(t, dir, "codes.csv", want), data.Options{})
	if err != nil || m.Rows != 100 || m.Cols != 3 {
		t.Errorf("stdout's CSV reads back as %v, %v", m, err)
	}
	if _, stderr, code := saeRunStdin(t, csv.String(), "score", "--model", model, "--data", "-", "--out", "-", "--json"); code != 2 || !strings.Contains(stderr, "--out - writes the scores to stdout") {
		t.Errorf("--out - with --json: exit %d: %s", code, stderr)
	}
	out, stderr, code := saeRunStdin(t, "1,2\n", "eval", "--model", model, "--data", "-")
	if code != 1 || !strings.Contains(stderr, "stdin: rows have 2 values, the model expects 3") {
		t.Errorf("a narrow stdin: exit %d: %s %s", code, out, stderr)
	}
}

// sae sweep chooses columns as sae train does, and each trial's model
// remembers their names.
func TestSweepColumns(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,note,b,c\n")
	for i, r := range tableRows(80, 11) {
		fmt.Fprintf(&b, "%g,n%d,%g,%g\n", r[0], i, r[1], r[2])
	}
	csv := writeText(t, dir, "x.csv", b.String())
	out := filepath.Join(dir, "s")
	mustRun(t, "sweep", "--data", csv, "--out", out, "--drop", "note", "--set", "hidden=2,3", "--epochs", "1", "--quiet")
	dirs, _ := filepath.Glob(filepath.Join(out, "*", sae.ConfigFile))
	if len(dirs) != 2 {
		t.Fatalf("%d trial models", len(dirs))
	}
	for _, p := range dirs {
		if got := readConfig(t, filepath.Dir(p))["columns"]; fmt.Sprint(got) != "[a b c]" {
			t.Errorf("%s: columns %v, want [a b c]", p, got)
		}
	}
}
