package report

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTML(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "f.png")
	if err := FeatureGrid(img, []float32{0, 1, 2, 3}, 1, 4, 2, 2, GridOptions{MinWidth: 10}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	svg := filepath.Join(dir, "l.svg")
	if err := LossCurve(svg, []float64{1, 0.5}, nil, "loss"); err != nil {
		t.Fatal(err)
	}

	page := filepath.Join(dir, "report.html")
	metrics := [][2]string{{"mse", "0.0123"}, {"l0", "32.0"}, {"dead_fraction", "0.1"}}
	sections := []Section{
		{Title: "Features", Text: "First paragraph.\n\nSecond <b>paragraph</b>.", Image: img},
		{Title: "Loss", Image: svg},
		{Title: "Notes", Text: "no image here"},
	}
	if err := HTML(page, "Model <report> & more", metrics, sections); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{
		"<!DOCTYPE html>",
		"<title>Model &lt;report&gt; &amp; more</title>",
		"<h1>Model &lt;report&gt; &amp; more</h1>",
		"<th>mse</th><td>0.0123</td>",
		"<p>First paragraph.</p>",
		"<p>Second &lt;b&gt;paragraph&lt;/b&gt;.</p>",
		`src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(raw) + `"`,
		`src="data:image/svg+xml;base64,`,
		"<h2>Notes</h2>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %.80q", want)
		}
	}
	// Metrics keep their order.
	if i, j, k := strings.Index(html, ">mse<"), strings.Index(html, ">l0<"), strings.Index(html, ">dead_fraction<"); !(i < j && j < k) {
		t.Errorf("metrics out of order: %d %d %d", i, j, k)
	}
	// Self-contained: nothing fetched, nothing run.
	for _, bad := range []string{"<script", "http://", "https://", "<link"} {
		if strings.Contains(html, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if strings.Count(html, "<img") != 2 {
		t.Errorf("%d images, want 2", strings.Count(html, "<img"))
	}
}

func TestHTMLErrors(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "r.html")
	missing := filepath.Join(dir, "missing.png")
	err := HTML(page, "t", nil, []Section{{Title: "A", Image: missing}})
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), page) {
		t.Errorf("missing image: err = %v", err)
	}
	if _, err := os.Stat(page); !os.IsNotExist(err) {
		t.Error("a failed report left a file behind")
	}
	txt := filepath.Join(dir, "a.txt")
	os.WriteFile(txt, []byte("x"), 0o644)
	if err := HTML(page, "t", nil, []Section{{Title: "A", Image: txt}}); err == nil || !strings.Contains(err.Error(), "extension") {
		t.Errorf("text file as image: err = %v", err)
	}
	if err := HTML(filepath.Join(dir, "r.pdf"), "t", nil, nil); err == nil {
		t.Error("a .pdf report path: no error")
	}
	// No metrics and no sections is still a page.
	if err := HTML(page, "empty", nil, nil); err != nil {
		t.Fatal(err)
	}
}

// A section's table lists every cell in order, escaped, after its text.
func TestHTMLTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.html")
	rows := [][]string{{"latent", "top rows"}, {"3", `<script>alert("x")</script> & more`}, {"7", "plain\nsecond line"}}
	if err := HTML(path, "t", nil, []Section{{Title: "Latents", Text: "intro", Table: rows}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	want := []string{"intro", ">latent</td>", ">top rows</td>", "<td>3</td>", "<td>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more</td>", "<td>7</td><td>plain<br>second line</td>"}
	at := 0
	for _, w := range want {
		i := strings.Index(page[at:], w)
		if i < 0 {
			t.Fatalf("page lacks %q after byte %d", w, at)
		}
		at += i
	}
	if strings.Contains(page, "<script>") {
		t.Fatal("a cell was not escaped")
	}
}
