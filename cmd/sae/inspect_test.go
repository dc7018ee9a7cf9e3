package main

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/tabletest"
)

// sae inspect on an embedding table with a text column: every latent's top
// rows are its largest activations, carried with their text; the HTML page
// and the report's section show them.
func TestInspectTextTable(t *testing.T) {
	dir := t.TempDir()
	x, texts := tabletest.Table(300, 8, 11)
	ds := filepath.Join(dir, "cache")
	tabletest.WriteDataset(t, ds, x, texts, 2, 64)
	pq := filepath.Join(dir, "emb.parquet")
	os.WriteFile(pq, tabletest.ParquetList(t, x, texts, 100), 0o644)
	model := filepath.Join(dir, "m")
	if _, stderr, code := saeRun(t, "train", "--data", pq, "--out", model, "--hidden", "24", "--sparsity", "topk", "--k", "4", "--epochs", "3"); code != 0 {
		t.Fatal(stderr)
	}
	m, err := sae.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := m.Encode(sae.Matrix{Rows: x.Rows, Cols: x.Cols, Data: x.Data})
	if err != nil {
		t.Fatal(err)
	}
	var topText [2]string // the top row's text of latents 0 and 5
	for _, path := range []string{pq, ds} {
		out := filepath.Join(dir, filepath.Base(path)+".json")
		if _, stderr, code := saeRun(t, "inspect", "--model", model, "--data", path, "--id-column", "text", "--top", "3", "--out", out); code != 0 {
			t.Fatalf("%s: %s", path, stderr)
		}
		var doc inspectDoc
		b, _ := os.ReadFile(out)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Rows != x.Rows || len(doc.Latents) != m.Hidden() {
			t.Fatalf("%s: %d rows, %d latents", path, doc.Rows, len(doc.Latents))
		}
		checkLatents(t, doc, codes.Data, m.Hidden(), texts, &topText)
	}
	page := filepath.Join(dir, "latents.html")
	if _, stderr, code := saeRun(t, "inspect", "--model", model, "--data", ds, "--id-column", "text", "--out", page, "--latents", "0,5"); code != 0 {
		t.Fatal(stderr)
	}
	rep := filepath.Join(dir, "report.html")
	if _, stderr, code := saeRun(t, "report", "--model", model, "--data", pq, "--id-column", "text", "--out", rep); code != 0 {
		t.Fatal(stderr)
	}
	for _, f := range []string{page, rep} {
		b, _ := os.ReadFile(f)
		s := html.UnescapeString(string(b))
		shown := 0
		for _, text := range texts {
			if strings.Contains(s, text+" (") {
				shown++
			}
		}
		if !strings.Contains(s, "<h2>Latents</h2>") || shown == 0 {
			t.Fatalf("%s lacks the latents' table with their texts", f)
		}
	}
	b, _ := os.ReadFile(page)
	for _, text := range topText {
		if text != "" && !strings.Contains(html.UnescapeString(string(b)), text) {
			t.Fatalf("the page of latents 0 and 5 lacks %q", text)
		}
	}
	npy := filepath.Join(dir, "x.npy")
	data.WriteNPY(npy, (*data.Matrix)(x))
	_, stderr, code := saeRun(t, "inspect", "--model", model, "--data", npy, "--id-column", "text", "--out", page)
	if code != 1 || !strings.Contains(stderr, npy+": an id column is read from tables only (CSV, TSV, JSON lines, Parquet, Arrow)") {
		t.Fatalf("--id-column on .npy: exit %d, %q", code, stderr)
	}
	if _, _, code := saeRun(t, "inspect", "--model", model, "--data", npy, "--out", page, "--latents", "24"); code != 2 {
		t.Fatalf("--latents 24 of 24: exit %d", code)
	}
}

// inspectDoc is the part of sae inspect's JSON the tests read.
type inspectDoc struct {
	Rows    int `json:"rows"`
	Latents []struct {
		Latent  int     `json:"latent"`
		Density float64 `json:"density"`
		Top     []struct {
			Row        int     `json:"row"`
			ID         string  `json:"id"`
			Activation float64 `json:"activation"`
		} `json:"top"`
		Neighbours []struct{ Latent int } `json:"neighbours"`
	} `json:"latents"`
}

// checkLatents checks each latent of doc against the codes of its rows:
// its density, its top rows (the largest activations, with their rows'
// texts as ids) and its neighbours; it keeps the top texts of latents 0
// and 5 in topText.
func checkLatents(t *testing.T, doc inspectDoc, codes []float32, hidden int, texts []string, topText *[2]string) {
	t.Helper()
	for j, l := range doc.Latents {
		// The largest activation of latent j over all rows, and how
		// many rows it fires on.
		best, fired := 0.0, 0
		for r := range doc.Rows {
			v := float64(codes[r*hidden+j])
			best = max(best, v)
			if v > 0 {
				fired++
			}
		}
		if l.Density != float64(fired)/float64(doc.Rows) || len(l.Neighbours) != 5 {
			t.Fatalf("latent %d: density %g (want %g), %d neighbours", j, l.Density, float64(fired)/float64(doc.Rows), len(l.Neighbours))
		}
		if fired == 0 {
			continue
		}
		if len(l.Top) != min(3, fired) || l.Top[0].Activation != float64(float32(best)) {
			t.Fatalf("latent %d: top %+v, largest activation %g", j, l.Top, best)
		}
		for k, tr := range l.Top {
			if tr.ID != texts[tr.Row] || (k > 0 && tr.Activation > l.Top[k-1].Activation) {
				t.Fatalf("latent %d: top row %+v (text of that row %q)", j, tr, texts[tr.Row])
			}
		}
		if j == 0 || j == 5 {
			topText[j/5] = l.Top[0].ID
		}
	}
}
