package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/internal/stats"
)

func init() {
	register(&command{
		name:    "score",
		summary: "anomaly scores (reconstruction error, distance to the training rows), one per row",
		usage:   "--model DIR --data F [--out F.npy|F.csv] [--labels F]",
		examples: []string{
			"sae score --model det --data new.csv --out scores.csv",
			"sae score --model det --data test.npz --labels test.npz --json",
			"sae score --model det --data batch.npy --out s.npy --contamination 0.01",
			"sae score --model det --data new.csv --explain 10",
		},
		setup: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var modelDir, dataPath, out, key, labelsPath string
			var contamination, threshold float64
			var explain, explainTop int
			fs.StringVar(&modelDir, "model", "", "model `dir`ectory")
			fs.StringVar(&dataPath, "data", "", "input data `file`")
			fs.StringVar(&key, "key", "", "array `name` inside .npz or .safetensors")
			fs.StringVar(&out, "out", "", "scores `file`: .npy (float32 [n,1]) or .csv (columns score, anomalous); - writes the CSV to stdout (and the summary to stderr)")
			fs.StringVar(&labelsPath, "labels", "", "labels `file` (0 normal and nonzero an anomaly, or +1 normal and -1 an anomaly): adds auroc and auprc, and beside them a trivial scorer's (the distance to the rows' mean)")
			fs.Float64Var(&contamination, "contamination", 0, "flag this `fraction` of these rows instead of using the model's threshold")
			fs.Float64Var(&threshold, "threshold", 0, "flag rows scoring above this `value` instead of the model's threshold")
			fs.IntVar(&explain, "explain", 0, "explain the `N` highest-scoring flagged rows: which columns make up their error (rows and columns numbered from 0, as NumPy and pandas count; a CSV header's names shown)")
			fs.IntVar(&explainTop, "explain-features", 3, "`N` features listed per explained row")
			fs.BoolVar(&e.json, "json", false, "print one JSON object on stdout")
			e.quietFlag(fs)
			return func(ctx context.Context) error {
				byContamination, byThreshold := flagSet(fs, "contamination"), flagSet(fs, "threshold")
				if err := checkScoreFlags(e, out, byContamination, byThreshold, contamination, explain, explainTop); err != nil {
					return err
				}
				m, tab, err := e.loadModelData(modelDir, dataPath, key)
				if err != nil {
					return err
				}
				x := *tab.Matrix
				warnPoorFit(e, modelDir, m)
				isAnom, note, err := anomalyLabels(labelsPath, e.labelsKey, x.Rows, dataPath)
				if err != nil {
					return err
				}
				if note != "" {
					fmt.Fprintf(e.stderr, "sae: note: %s\n", note)
				}
				src, done := e.rowProgress(ctx, x, scorePasses(m), fmt.Sprintf("scoring %d rows", x.Rows))
				scores, err := m.Score(src)
				done()
				if err != nil {
					return err
				}
				thr := m.Threshold
				if m.History == nil && thr == 0 && !byContamination && !byThreshold {
					fmt.Fprintf(e.stderr, "sae: warning: %s has no anomaly threshold (imported without --data), so every row scoring above 0 is flagged: give --contamination or --threshold\n", modelDir)
				}
				switch {
				case byContamination:
					thr = stats.Quantile(scores, 1-contamination)
				case byThreshold:
					thr = threshold
				}
				flagged, err := writeScores(e, out, scores, thr, tab.IDs)
				if err != nil {
					return err
				}
				o := map[string]any{"n": x.Rows, "threshold": thr, "n_flagged": flagged}
				if isAnom != nil {
					o["auroc"] = stats.AUROC(scores, isAnom)
					o["auprc"] = stats.AUPRC(scores, isAnom)
					addScoreBaseline(o, m, x, isAnom)
				}
				if out != "" {
					o["out"] = out
				}
				var explained []rowExplanation
				if explain > 0 {
					if explained, err = explainFlagged(m, x, scores, thr, explain, explainTop); err != nil {
						return err
					}
					nameColumns(explained, tab.Names)
					for i := range explained {
						if tab.FileRows != nil { // --nan drop left rows out
							explained[i].Row = tab.FileRows[explained[i].Row]
						}
					}
					o["explanations"] = explained
				}
				return printScoreSummary(e, o, out, isAnom, explained)
			}
		},
	})
}

// checkScoreFlags refuses score's flags that cannot be honoured together.
func checkScoreFlags(e *env, out string, byContamination, byThreshold bool, contamination float64, explain, explainTop int) error {
	if out != "" && out != "-" {
		if err := checkOut(out, ".npy", ".csv"); err != nil {
			return err
		}
	}
	if out == "-" && e.json {
		return usagef("--out - writes the scores to stdout, where --json prints its object: give one")
	}
	if byContamination && (contamination <= 0 || contamination >= 0.5) {
		return usagef("--contamination must be in (0, 0.5), got %g", contamination)
	}
	if byContamination && byThreshold {
		return usagef("--contamination and --threshold exclude each other")
	}
	if explain < 0 || explainTop < 1 {
		return usagef("--explain wants 0 or more rows, --explain-features 1 or more, got %d and %d", explain, explainTop)
	}
	return nil
}

// printScoreSummary prints score's result o: its JSON object, or the
// summary lines (on stderr when the scores went to stdout), the labels'
// figures beside the trivial scorer's, the explained rows.
func printScoreSummary(e *env, o map[string]any, out string, isAnom []bool, explained []rowExplanation) error {
	if e.json {
		return printJSON(e.stdout, o)
	}
	w := e.stdout
	if out == "-" {
		w = e.stderr // the scores went to stdout
	}
	rows, flagged := o["n"].(int), o["n_flagged"].(int)
	fmt.Fprintf(w, "scored %d rows: %d above the threshold %.6g (%.1f%%)\n", rows, flagged, o["threshold"], 100*float64(flagged)/float64(max(rows, 1)))
	if isAnom != nil {
		fmt.Fprintf(w, "auroc %.4f  auprc %.4f (anomalies %.1f%% of the rows: the auprc of a random scorer)\n", o["auroc"], o["auprc"], 100*fraction(isAnom))
		fmt.Fprintf(w, "baseline auroc %.4f  auprc %.4f (%s)\n", o["baseline_auroc"], o["baseline_auprc"], baselineScorer)
	}
	printExplanations(w, explained)
	if out != "" && out != "-" {
		fmt.Fprintf(w, "wrote %s\n", out)
	}
	return nil
}

// anomalyLabels reads the labels file path (a .npz's array key) of the
// rows rows of dataPath as anomaly flags (anomalyFlags); nil without a
// file. A note states an interpretation the user may not expect.
func anomalyLabels(path, key string, rows int, dataPath string) (isAnom []bool, note string, err error) {
	if path == "" {
		return nil, "", nil
	}
	labels, err := data.LoadLabelsKey(path, key)
	if err != nil {
		return nil, "", err
	}
	if len(labels) != rows {
		return nil, "", fmt.Errorf("%s: %d labels for %d rows of %s", path, len(labels), rows, dataPath)
	}
	return anomalyFlags(path, labels)
}

// anomalyFlags reads class labels as anomaly flags, in one of two codings:
// 0 normal and nonzero an anomaly (ADBench, ODDS), or +1 normal and -1 an
// anomaly (scikit-learn's and PyOD's predict), which the note then says.
// Labels of one class, where no area under a curve exists, and any other
// coding are errors naming the file.
func anomalyFlags(path string, labels []int) (isAnom []bool, note string, err error) {
	seen := map[int]bool{}
	for _, l := range labels {
		seen[l] = true
	}
	values := make([]int, 0, len(seen))
	for v := range seen {
		values = append(values, v)
	}
	sort.Ints(values)
	anomaly := func(l int) bool { return l != 0 }
	switch {
	case len(values) == 1:
		return nil, "", fmt.Errorf("%s: every label is %d: auroc and auprc need normal and anomalous rows (0 normal, nonzero an anomaly; or +1 normal, -1 an anomaly)", path, values[0])
	case len(values) == 2 && values[0] == -1 && values[1] == 1:
		anomaly = func(l int) bool { return l == -1 }
		note = fmt.Sprintf("%s: labels are +1 and -1: -1 read as an anomaly (outlier) and +1 as normal, as scikit-learn and PyOD write them", path)
	case !seen[0]:
		shown := values[:min(len(values), 5)]
		more := ""
		if len(values) > 5 {
			more = ", ..."
		}
		return nil, "", fmt.Errorf("%s: labels %s%s have no 0: anomaly labels are 0 (normal) and nonzero (an anomaly), or +1 (normal) and -1 (an anomaly)", path, strings.Trim(fmt.Sprint(shown), "[]"), more)
	}
	isAnom = make([]bool, len(labels))
	for i, l := range labels {
		isAnom[i] = anomaly(l)
	}
	return isAnom, note, nil
}

// writeScores counts the scores above thr and, when out is set, writes
// them there: .csv with the columns score and anomalous (after the rows'
// ids, when given), .npy as [n, 1].
func writeScores(e *env, out string, scores []float64, thr float64, ids []string) (flagged int, err error) {
	res := sae.NewMatrix(len(scores), 2)
	for i, s := range scores {
		res.Data[2*i] = float32(s)
		if s > thr {
			flagged++
			res.Data[2*i+1] = 1
		}
	}
	switch {
	case out == "":
	case out == "-" || hasSuffixFold(out, ".csv"):
		err = e.writeMatrix(out, &res, []string{"score", "anomalous"}, ids)
	default:
		col := sae.NewMatrix(len(scores), 1)
		for i, s := range scores {
			col.Data[i] = float32(s)
		}
		err = data.WriteNPY(out, &col)
	}
	return flagged, err
}

// printExplanations prints one line per explained row.
func printExplanations(w io.Writer, explained []rowExplanation) {
	for _, r := range explained {
		fmt.Fprintf(w, "row %d (score %.4g):", r.Row, r.Score)
		for i, f := range r.Features {
			sep := ","
			if i == 0 {
				sep = ""
			}
			col := fmt.Sprintf("column %d", f.Column)
			if f.Name != "" {
				col = fmt.Sprintf("%s (column %d)", f.Name, f.Column)
			}
			fmt.Fprintf(w, "%s %s %.0f%% (value %.4g, expected %.4g)", sep, col, 100*f.Share, f.Value, f.Expected)
		}
		fmt.Fprintln(w)
	}
}

// rowExplanation is one explained row in score's output; rows and columns
// count from 0, as the rows of the scores file and NumPy and pandas count
// them. A column's name is the CSV header's, when the data has one.
type rowExplanation struct {
	Row      int              `json:"row"`
	Score    float64          `json:"score"`
	Features []featureContrib `json:"features"`
}

type featureContrib struct {
	Column   int     `json:"column"`
	Name     string  `json:"name,omitempty"`
	Share    float64 `json:"share"`
	Value    float32 `json:"value"`
	Expected float32 `json:"expected"`
}

// nameColumns gives the explained columns the names of the data's
// columns (a CSV header, a table's columns), when it has them.
func nameColumns(explained []rowExplanation, names []string) {
	for i := range explained {
		for j := range explained[i].Features {
			if c := explained[i].Features[j].Column; c < len(names) {
				explained[i].Features[j].Name = names[c]
			}
		}
	}
}

// explainFlagged explains up to n rows above thr, highest score first.
func explainFlagged(m *sae.Model, x sae.Matrix, scores []float64, thr float64, n, top int) ([]rowExplanation, error) {
	var rows []int
	for i, s := range scores {
		if s > thr {
			rows = append(rows, i)
		}
	}
	sort.Slice(rows, func(a, b int) bool { return scores[rows[a]] > scores[rows[b]] })
	return explain(m, x, rows[:min(n, len(rows))], top)
}

// explain lists, for each of the rows (0-based) of x, the top columns by
// their share of the row's error (Model.Explain).
func explain(m *sae.Model, x sae.Matrix, rows []int, top int) ([]rowExplanation, error) {
	sub := sae.NewMatrix(len(rows), x.Cols)
	for i, r := range rows {
		copy(sub.Row(i), x.Row(r))
	}
	ex, err := m.Explain(sub, top)
	if err != nil {
		return nil, err
	}
	out := make([]rowExplanation, len(rows))
	for i, e := range ex {
		out[i] = rowExplanation{Row: rows[i], Score: e.Score}
		for _, f := range e.Features {
			out[i].Features = append(out[i].Features, featureContrib{Column: f.Column, Share: f.Share, Value: f.Value, Expected: f.Expected})
		}
	}
	return out, nil
}
