package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/report"
	"github.com/sae-go/sae/internal/saebench"
	"github.com/sae-go/sae/internal/safefile"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "per latent: density, top-activating rows (with their ids or text), nearest decoder neighbours",
		usage:   "--model DIR --data F [--id-column C] --out F.html|F.json",
		examples: []string{
			"sae inspect --model dict --data sentences.parquet --column emb --id-column text --out latents.html",
			"sae inspect --model dict --data cache/ --id-column text --out latents.json --top 20",
			"sae inspect --model dict --data acts.npy --latents 3,17,42 --out some.html",
		},
		setup: setupInspect,
	})
}

// inspectOptions is what the inspect command and the report's section share.
type inspectOptions struct {
	idColumn        string
	top, neighbours int
	show            int
	latents         []int
}

func setupInspect(fs *flag.FlagSet, e *env) func(context.Context) error {
	var modelDir, dataPath, key, out string
	opt := inspectOptions{}
	fs.StringVar(&modelDir, "model", "", "model `dir`ectory (a one-layer model)")
	fs.StringVar(&dataPath, "data", "", "data `file` or directory, read a chunk at a time")
	fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
	fs.StringVar(&out, "out", "", "`file` to write: .html (a page for people) or .json (every latent, for programs)")
	fs.IntVar(&opt.top, "top", 10, "top-activating rows kept per latent (`N`)")
	fs.IntVar(&opt.neighbours, "neighbours", 5, "nearest decoder neighbours per latent (`N`)")
	fs.IntVar(&opt.show, "show", 40, "the HTML page shows `N` alive latents spread over the range of densities")
	fs.Func("latents", "the HTML page shows these latents (`list` of numbers, e.g. 3,17,42) instead", func(v string) error {
		for _, f := range strings.Split(v, ",") {
			j, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || j < 0 {
				return fmt.Errorf("%q is not a list of latent numbers", v)
			}
			opt.latents = append(opt.latents, j)
		}
		return nil
	})
	fs.BoolVar(&e.json, "json", false, "print one JSON object with a summary on stdout")
	e.quietFlag(fs)
	return func(ctx context.Context) error {
		if err := checkOut(out, ".html", ".htm", ".json"); err != nil {
			return err
		}
		if opt.top < 0 || opt.neighbours < 0 || opt.show < 1 {
			return usagef("--top and --neighbours want 0 or more, --show 1 or more")
		}
		m, err := loadModel(modelDir)
		if err != nil {
			return err
		}
		if _, _, err := saebench.FoldedWeights(m); err != nil {
			return fmt.Errorf("%s: %v", modelDir, err)
		}
		for _, j := range opt.latents {
			if j >= m.Hidden() {
				return usagef("--latents: latent %d of %d", j, m.Hidden())
			}
		}
		opt.idColumn = e.table.idColumn
		in, err := inspectData(ctx, e, m, dataPath, key, opt, hasSuffixFold(out, ".json"))
		if err != nil {
			return err
		}
		if hasSuffixFold(out, ".json") {
			err = writeInspectJSON(out, modelDir, dataPath, m, in)
		} else {
			err = writeInspectHTML(out, modelDir, dataPath, m, in, opt)
		}
		if err != nil {
			return err
		}
		alive := 0
		for _, l := range in.Latents {
			if l.Density > 0 {
				alive++
			}
		}
		if e.json {
			return printJSON(e.stdout, map[string]any{"out": out, "rows": in.Rows, "latents": len(in.Latents), "alive_fraction": float64(alive) / float64(len(in.Latents))})
		}
		fmt.Fprintf(e.stdout, "inspected %d latents on %d rows (%d alive); wrote %s\n", len(in.Latents), in.Rows, alive, out)
		return nil
	}
}

// inspectData reads the data once for Inspect and fills in the ids of the
// top rows: of every latent (all true) or of those the page shows.
func inspectData(ctx context.Context, e *env, m *sae.Model, dataPath, key string, opt inspectOptions, all bool) (*saebench.Inspection, error) {
	src, ids, closeData, err := e.openWithIDs(dataPath, key, m)
	if err != nil {
		return nil, err
	}
	defer closeData()
	if _, d := src.Dims(); d != m.Inputs {
		return nil, fmt.Errorf("%s: rows have %d values, the model expects %d", dataPath, d, m.Inputs)
	}
	n, _ := src.Dims()
	src, done := e.rowProgress(ctx, src, 1, fmt.Sprintf("the latents of %d rows", n))
	in, err := saebench.Inspect(ctx, m, src, opt.top, opt.neighbours)
	done()
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return in, nil
	}
	shown := shownLatents(in, opt)
	if all {
		shown = nil
		for j := range in.Latents {
			shown = append(shown, j)
		}
	}
	var rows []int
	for _, j := range shown {
		for _, t := range in.Latents[j].Top {
			rows = append(rows, t.Row)
		}
	}
	got, err := ids(rows)
	if err != nil {
		return nil, err
	}
	k := 0
	for _, j := range shown {
		for i := range in.Latents[j].Top {
			in.Latents[j].Top[i].ID = got[k]
			k++
		}
	}
	return in, nil
}

// shownLatents is the latents the HTML page shows.
func shownLatents(in *saebench.Inspection, opt inspectOptions) []int {
	if len(opt.latents) > 0 {
		return opt.latents
	}
	return in.Spread(opt.show)
}

func writeInspectJSON(out, modelDir, dataPath string, m *sae.Model, in *saebench.Inspection) error {
	doc := map[string]any{"model": modelDir, "data": dataPath, "hidden": m.Hidden(), "rows": in.Rows, "latents": in.Latents}
	err := safefile.Write(out, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		return enc.Encode(doc)
	})
	if err != nil {
		return fmt.Errorf("%s: %v", out, err)
	}
	return nil
}

func writeInspectHTML(out, modelDir, dataPath string, m *sae.Model, in *saebench.Inspection, opt inspectOptions) error {
	tmp, err := os.MkdirTemp("", "sae-inspect-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	secs, summary, err := latentSections(in, shownLatents(in, opt), len(opt.latents) == 0, tmp, filepath.Base(dataPath))
	if err != nil {
		return err
	}
	metrics := [][2]string{{"model", m.String()}, {"directory", modelDir}, {"data", fmt.Sprintf("%s, %d rows", dataPath, in.Rows)}, {"latents", summary}}
	return report.HTML(out, "latents of "+filepath.Base(filepath.Clean(modelDir)), metrics, secs)
}

// latentSections draws the latent-density histogram into dir and returns it
// and the table of the shown latents as report sections, with a one-line
// summary of the densities.
func latentSections(in *saebench.Inspection, shown []int, spread bool, dir, dataName string) ([]report.Section, string, error) {
	var dens []float64
	for _, l := range in.Latents {
		dens = append(dens, l.Density)
	}
	alive := 0
	for _, p := range dens {
		if p > 0 {
			alive++
		}
	}
	sorted := append([]float64(nil), dens...)
	sort.Float64s(sorted)
	summary := fmt.Sprintf("%d, %d alive (%.1f%%), median density %.4g", len(dens), alive, 100*float64(alive)/float64(len(dens)), sorted[len(sorted)/2])
	var secs []report.Section
	if alive > 0 {
		f := filepath.Join(dir, "latent-density.png")
		if err := report.Histogram(f, dens, report.HistOptions{Title: "latent density", XLabel: "fraction of rows where the latent is > 0", YLabel: "latents", LogX: true}); err != nil {
			return nil, "", err
		}
		secs = append(secs, report.Section{Title: "Latent density", Text: fmt.Sprintf("For each of the %d latents, the fraction of the %d rows of %s where it is active, on a log scale; the %d latents never active cannot be drawn on it.", len(dens), in.Rows, dataName, len(dens)-alive), Image: f})
	}
	table := [][]string{{"latent", "density", "max", "top-activating rows (activation)", "nearest decoder directions (cosine)"}}
	for _, j := range shown {
		l := in.Latents[j]
		var tops, nbs []string
		for _, t := range l.Top {
			name := t.ID
			if name == "" {
				name = "row " + strconv.Itoa(t.Row+1)
			}
			tops = append(tops, fmt.Sprintf("%s (%.3g)", name, t.Activation))
		}
		for _, nb := range l.Neighbours {
			nbs = append(nbs, fmt.Sprintf("%d (%.2f)", nb.Latent, nb.Cosine))
		}
		table = append(table, []string{strconv.Itoa(j), fmt.Sprintf("%.4g", l.Density), fmt.Sprintf("%.3g", l.MaxActivation), strings.Join(tops, "\n"), strings.Join(nbs, "\n")})
	}
	which := fmt.Sprintf("%d latents spread over the range of densities (most frequent first)", len(shown))
	if !spread {
		which = "The latents asked for"
	}
	text := which + fmt.Sprintf(", each with its largest activations on %s and the rows they come from, and the latents whose decoder directions are closest to its own.", dataName)
	if len(shown) > 0 {
		secs = append(secs, report.Section{Title: "Latents", Text: text, Table: table})
	}
	return secs, summary, nil
}

// openWithIDs opens --data as openData does and, with --id-column, reads
// the id column beside it: a Parquet or Arrow table's from the file as
// rows are asked for, a text table's from memory (ids nil without one).
func (e *env) openWithIDs(path, key string, m *sae.Model) (src sae.Source, ids func(rows []int) ([]string, error), close func(), err error) {
	t := e.table
	if t.idColumn == "" {
		src, _, close, err = e.openData(path, key, "auto", m)
		return src, nil, close, err
	}
	if path == "" {
		return nil, nil, nil, usagef("--data is required")
	}
	if path != "-" && t.nan == "error" {
		opt := t.options(key)
		if err := t.modelColumns(path, &opt, m); err != nil {
			return nil, nil, nil, err
		}
		r, err := data.OpenRows(path, opt)
		if err == nil {
			return r, r.IDs, func() { r.Close() }, nil
		}
		if !errors.Is(err, data.ErrNotStreamable) {
			return nil, nil, nil, err
		}
	}
	tab, err := e.loadData(path, key, m)
	if err != nil {
		return nil, nil, nil, err
	}
	ids = func(rows []int) ([]string, error) {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = tab.IDs[r]
		}
		return out, nil
	}
	return *tab.Matrix, ids, func() {}, nil
}
