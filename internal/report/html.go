package report

// The report page: one self-contained HTML file, images embedded as data
// URIs, inline CSS, no scripts and no external resources.

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sae-go/sae/internal/safefile"
)

// Section is one part of the report: a heading, a text and an image.
type Section struct {
	// Title is the heading.
	Title string
	// Text is plain text (not HTML); blank lines separate paragraphs.
	Text string
	// Image is the path of a .png, .svg, .jpg or .gif file to embed, or
	// empty for a section without image.
	Image string
	// Table, when not empty, is drawn after the image: its first row is
	// the header. Cells are plain text; a newline in one breaks the line.
	Table [][]string
}

// HTML writes a single-file HTML page: the title, the metrics as a two-column
// table in the order given, and the sections in order, each image read from
// its path and embedded as a base64 data URI. All text is escaped. A missing
// or unreadable image is an error naming it.
func HTML(path string, title string, metrics [][2]string, sections []Section) error {
	const op = "html"
	if err := checkExt(path, ".html", ".htm"); err != nil {
		return opErr(op, path, err)
	}
	secs := make([]pageSection, 0, len(sections))
	for _, s := range sections {
		out := pageSection{Title: s.Title, Paras: paragraphs(s.Text), Table: s.Table}
		if s.Image != "" {
			uri, err := dataURI(s.Image)
			if err != nil {
				return opErr(op, path, fmt.Errorf("section %q: %w", s.Title, err))
			}
			out.Src = uri
		}
		secs = append(secs, out)
	}
	err := safefile.Write(path, func(w io.Writer) error {
		return writePage(w, title, metrics, secs)
	})
	if err != nil {
		return opErr(op, path, err)
	}
	return nil
}

var mimeTypes = map[string]string{
	".png":  "image/png",
	".svg":  "image/svg+xml",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
}

// dataURI reads the image at path into a data: URI.
func dataURI(path string) (string, error) {
	mime, ok := mimeTypes[strings.ToLower(filepath.Ext(path))]
	if !ok {
		return "", fmt.Errorf("image %s: %w", path, checkExt(path, ".png", ".svg", ".jpg", ".gif"))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err // *fs.PathError names the file
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

// paragraphs splits text at blank lines.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// pageSection is a section as the page shows it.
type pageSection struct {
	Title string
	Paras []string // paragraphs, trimmed, none empty
	Src   string   // the image's data URI, or empty
	Table [][]string
}

// htmlEscaper escapes text for an element's content or a quoted attribute
// value exactly as html/template does for a plain string: the same seven
// replacements (NUL becomes U+FFFD; + is escaped too), everything else,
// non-ASCII and invalid UTF-8 included, as it is. All replaced characters
// are ASCII, so working byte by byte matches html/template's rune loop.
var htmlEscaper = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// pageWriter writes strings to w and keeps the first error.
type pageWriter struct {
	w   io.Writer
	err error
}

// raw writes each of ss as it is.
func (p *pageWriter) raw(ss ...string) {
	for _, s := range ss {
		if p.err == nil {
			_, p.err = io.WriteString(p.w, s)
		}
	}
}

// text writes s escaped.
func (p *pageWriter) text(s string) {
	if p.err == nil {
		_, p.err = htmlEscaper.WriteString(p.w, s)
	}
}

// writePage writes the report page, byte for byte what the html/template
// it replaced produced (html_page_test.go keeps that template as the
// oracle). Writing directly keeps html/template and text/template out of
// the sae binary and the page from being parsed at start-up.
func writePage(w io.Writer, title string, metrics [][2]string, secs []pageSection) error {
	p := &pageWriter{w: w}
	p.raw(pageHead)
	p.text(title)
	p.raw(pageStyle)
	p.text(title)
	p.raw("</h1>")
	if len(metrics) > 0 {
		p.raw("\n<div class=\"metrics\">\n<table>")
		for _, m := range metrics {
			p.raw("\n<tr><th>")
			p.text(m[0])
			p.raw("</th><td>")
			p.text(m[1])
			p.raw("</td></tr>")
		}
		p.raw("\n</table>\n</div>")
	}
	for _, s := range secs {
		p.raw("\n<section>\n<h2>")
		p.text(s.Title)
		p.raw("</h2>")
		for _, para := range s.Paras {
			p.raw("\n<p>")
			p.text(para)
			p.raw("</p>")
		}
		if s.Src != "" {
			// A data URI of base64 needs no escaping; the alt text is
			// the title.
			p.raw("\n<figure><img src=\"", s.Src, "\" alt=\"")
			p.text(s.Title)
			p.raw(`"></figure>`)
		}
		if len(s.Table) > 0 {
			p.table(s.Table)
		}
		p.raw("\n</section>")
	}
	p.raw(pageFoot)
	return p.err
}

// table writes a data table: the header row, then the rows. Its look is
// set on the elements, so that the page's style sheet (and the pages
// without tables) stay as they were.
func (p *pageWriter) table(rows [][]string) {
	p.raw("\n<div style=\"overflow-x:auto;margin-top:12px\"><table style=\"font-size:0.88em\">")
	for i, row := range rows {
		p.raw("\n<tr>")
		for _, cell := range row {
			if i == 0 {
				p.raw(`<td style="font-family:inherit;font-weight:600;color:#555">`)
			} else {
				p.raw("<td>")
			}
			for k, line := range strings.Split(cell, "\n") {
				if k > 0 {
					p.raw("<br>")
				}
				p.text(line)
			}
			p.raw("</td>")
		}
		p.raw("</tr>")
	}
	p.raw("\n</table></div>")
}

// pageHead runs up to the title's text, pageStyle from there to the
// heading's text.
const (
	pageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>`
	pageStyle = `</title>
<style>
:root { color-scheme: light; }
body {
  margin: 0; background: #f6f7f9; color: #222;
  font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 960px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 1.9em; margin: 0 0 24px; font-weight: 600; }
h2 { font-size: 1.3em; margin: 0 0 10px; font-weight: 600; }
section, .metrics {
  background: #fff; border: 1px solid #e3e5e8; border-radius: 8px;
  padding: 20px 24px; margin: 0 0 24px;
}
p { margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 7px 12px; border-bottom: 1px solid #eceef1; vertical-align: top; }
th { width: 40%; font-weight: 500; color: #555; }
tr:last-child th, tr:last-child td { border-bottom: none; }
td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.95em; }
figure { margin: 12px 0 0; text-align: center; }
img { max-width: 100%; height: auto; border-radius: 4px; image-rendering: auto; }
footer { color: #888; font-size: 0.85em; text-align: center; }
</style>
</head>
<body>
<main>
<h1>`
	pageFoot = `
<footer>Generated by sae</footer>
</main>
</body>
</html>
`
)
