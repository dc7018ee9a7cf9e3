package sweep

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sae-go/sae/internal/report"
	"github.com/sae-go/sae/internal/safefile"
)

// The files WriteTable writes in a sweep directory.
const (
	TableJSON  = "results.json"
	TableCSV   = "results.csv"
	ReportFile = "report.html"
	ParetoFile = "pareto.png"
)

// Plot names the two figures of the Pareto chart, both to be minimised:
// one of Figures.
type Plot struct{ X, Y string }

// DefaultPlot is sparsity against reconstruction: L0 and FVU.
var DefaultPlot = Plot{X: "l0", Y: "fvu"}

// Figures are the numbers of a result by name, as the table's columns
// name them: the metrics on the validation rows, the epochs, the threads
// and the seconds.
var Figures = []string{"n", "l0", "fvu", "mse", "mean_activation", "dead_fraction", "loss", "epochs", "threads", "train_seconds", "seconds"}

// Figure is the named figure of r (NaN for a failed trial's metrics).
func (r Result) Figure(name string) (float64, error) {
	if r.Error != "" && name != "threads" && name != "seconds" {
		return math.NaN(), nil
	}
	m := r.Metrics
	switch name {
	case "n":
		return float64(m.N), nil
	case "l0":
		return m.L0, nil
	case "fvu":
		return m.FVU, nil
	case "mse":
		return m.MSE, nil
	case "mean_activation":
		return m.MeanActivation, nil
	case "dead_fraction":
		return m.DeadFraction, nil
	case "loss":
		return m.Loss, nil
	case "epochs":
		return float64(r.Epochs), nil
	case "threads":
		return float64(r.Threads), nil
	case "train_seconds":
		return r.TrainSeconds, nil
	case "seconds":
		return r.Seconds, nil
	}
	return 0, fmt.Errorf("no figure %q: want one of %s", name, strings.Join(Figures, ", "))
}

// Check refuses a plot of figures that do not exist, or of one figure
// against itself.
func (p Plot) Check() error {
	for _, f := range []string{p.X, p.Y} {
		if _, err := (Result{}).Figure(f); err != nil {
			return err
		}
	}
	if p.X == p.Y {
		return fmt.Errorf("the Pareto chart plots two figures, not %s against itself", p.X)
	}
	return nil
}

// figures are the results' X and Y figures.
func (p Plot) figures(results []Result) (xs, ys []float64) {
	xs, ys = make([]float64, len(results)), make([]float64, len(results))
	for i, r := range results {
		xs[i], _ = r.Figure(p.X)
		ys[i], _ = r.Figure(p.Y)
	}
	return xs, ys
}

// Front returns the positions in results of the trials on the Pareto front
// of plot's figures (no other trial is lower on both), in increasing X.
func (p Plot) Front(results []Result) []int {
	return report.ParetoFront(p.figures(results))
}

// tableRow is a result as the table holds it: on the Pareto front or not.
type tableRow struct {
	Result
	Pareto bool `json:"pareto"`
}

// table is results.json.
type table struct {
	Data   string     `json:"data"`
	Base   Settings   `json:"base"`
	Pareto Plot       `json:"pareto"`
	Front  []int      `json:"front"` // trials on the Pareto front, in increasing X
	Trials []tableRow `json:"trials"`
}

// WriteTable writes the results table of the sweep s in dir as JSON
// (results.json: every result with its Config, the front) and CSV
// (results.csv: one line per trial, its settings, figures and whether it
// is on the front), and the report (report.html, with pareto.png: the
// trials on plot's figures). Every file is written atomically.
func WriteTable(dir string, s Spec, results []Result, plot Plot) error {
	if err := plot.Check(); err != nil {
		return err
	}
	xs, ys := plot.figures(results)
	front := report.ParetoFront(xs, ys)
	t := table{Data: s.Data, Base: s.Base, Pareto: plot, Front: []int{}, Trials: make([]tableRow, len(results))}
	for i, r := range results {
		t.Trials[i].Result = r
	}
	for _, i := range front {
		t.Front = append(t.Front, results[i].Trial)
		t.Trials[i].Pareto = true
	}
	err := safefile.Write(filepath.Join(dir, TableJSON), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	})
	if err != nil {
		return err
	}
	cells := t.cells()
	err = safefile.Write(filepath.Join(dir, TableCSV), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.WriteAll(cells)
		return cw.Error()
	})
	if err != nil {
		return err
	}
	return t.report(dir, xs, ys, front, cells)
}

// settingKeys are the keys the trials set, in the order first seen.
func settingKeys(rows []tableRow) []string {
	var keys []string
	for _, r := range rows {
		for _, st := range r.Settings {
			if !contains(keys, st.Key) {
				keys = append(keys, st.Key)
			}
		}
	}
	return keys
}

// cells is the CSV table: a header, then a line per trial.
func (t table) cells() [][]string {
	keys := settingKeys(t.Trials)
	head := append(append([]string{"trial", "model"}, keys...), Figures...)
	out := [][]string{append(head, "stop_reason", "pareto", "error")}
	for _, r := range t.Trials {
		line := []string{strconv.Itoa(r.Trial), r.Model}
		for _, k := range keys {
			line = append(line, settingText(r.Settings.Get(k)))
		}
		for _, f := range Figures {
			v, _ := r.Figure(f)
			line = append(line, formatFigure(v))
		}
		out = append(out, append(line, r.StopReason, strconv.FormatBool(r.Pareto), r.Error))
	}
	return out
}

// settingText is a setting's value for people: JSON, but a string without
// its quotes ("" when not set).
func settingText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// formatFigure prints v in the fewest digits that read back the same (""
// for NaN).
func formatFigure(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// report writes the HTML page: the sweep, the Pareto chart, the table.
func (t table) report(dir string, xs, ys []float64, front []int, cells [][]string) error {
	failed := 0
	names := make([]string, len(t.Trials))
	for i, r := range t.Trials {
		names[i] = r.Settings.String()
		if r.Error != "" {
			failed++
		}
	}
	onFront := make([]string, len(t.Front))
	for i, f := range t.Front {
		onFront[i] = strconv.Itoa(f)
	}
	metrics := [][2]string{
		{"data", t.Data},
		{"settings of every trial", t.Base.String()},
		{"trials", fmt.Sprintf("%d (%d failed)", len(t.Trials), failed)},
		{"on the Pareto front", strings.Join(onFront, ", ")},
	}
	sec := report.Section{
		Title: fmt.Sprintf("%s against %s", t.Pareto.Y, t.Pareto.X),
		Text: fmt.Sprintf("Each point is a trial, named by its settings. The trials of the Pareto front (in colour, joined) are those no other trial beats on both %s and %s (lower is better for both); %s and %s have every trial's figures, and each trial's model is its directory.",
			t.Pareto.X, t.Pareto.Y, TableCSV, TableJSON),
		Table: cells,
	}
	if len(front) == 0 {
		sec.Text += "\n\nNo chart: no trial has finite figures."
	} else {
		sec.Image = filepath.Join(dir, ParetoFile)
		if err := report.Pareto(sec.Image, xs, ys, names, front, report.ParetoOptions{XLabel: t.Pareto.X, YLabel: t.Pareto.Y}); err != nil {
			return err
		}
	}
	return report.HTML(filepath.Join(dir, ReportFile), "sae sweep", metrics, []report.Section{sec})
}
