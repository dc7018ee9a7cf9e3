package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/safefile"
)

// Result is one trial's line of the results table.
type Result struct {
	Trial        int         `json:"trial"`
	Model        string      `json:"model"`    // the model directory's name in the sweep directory
	Settings     Settings    `json:"settings"` // the trial's own settings
	Metrics      sae.Metrics `json:"metrics"`  // on the validation rows (train: all rows when none were held out)
	EvalOn       string      `json:"eval_on"`  // val or train
	Epochs       int         `json:"epochs"`
	StopReason   string      `json:"stop_reason"`
	Threads      int         `json:"threads"`
	TrainSeconds float64     `json:"train_seconds"`
	Seconds      float64     `json:"seconds"` // the whole trial: reading data, training, saving
	// Error is why the trial failed (no model was written), "" when it did
	// not; a failed trial runs again when the sweep is resumed.
	Error string `json:"error,omitempty"`
	// Config is the model's resolved configuration.
	Config sae.Config `json:"config"`
	// Resumed: the trial had finished in an earlier run and was not run.
	Resumed bool `json:"-"`
}

// trialFile is what a finished trial leaves beside its model directory
// (NAME.json): its result and what it was run on, which must match the
// sweep's for the trial to count as finished when the sweep is resumed.
type trialFile struct {
	Spec   Spec   `json:"spec"` // the sweep's, with the trial's settings as its only trial
	Result Result `json:"result"`
}

// of is the Spec of trial i alone, as its trialFile records it.
func (s Spec) of(i int) Spec {
	t := s
	t.Trials = []Settings{s.Trials[i]}
	return t
}

func sameSpec(a, b Spec) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TrialOptions are what a trial takes besides its Spec.
type TrialOptions struct {
	// Threads is the trial's cores when the Spec does not set threads
	// (0: all).
	Threads int
	// Data is the Spec's data, opened (nil: the trial opens it); Val its
	// validation rows (nil: read when Spec.Val is set).
	Data sae.Source
	Val  *sae.Matrix
	// Progress, when set, is called after every training step.
	Progress func(sae.Progress)
	// Columns are the data's column names, saved with each model (nil:
	// unnamed), as sae train saves them.
	Columns []string
}

// Finished returns trial i's result when an earlier run finished it in dir
// with the same Spec.
func Finished(dir string, s Spec, i int) (Result, bool) {
	b, err := os.ReadFile(filepath.Join(dir, s.Name(i)+".json"))
	if err != nil {
		return Result{}, false
	}
	var f trialFile
	if json.Unmarshal(b, &f) != nil || !sameSpec(f.Spec, s.of(i)) || f.Result.Error != "" {
		return Result{}, false
	}
	if _, err := os.Stat(filepath.Join(dir, s.Name(i), sae.ConfigFile)); err != nil {
		return Result{}, false
	}
	f.Result.Resumed = true
	return f.Result, true
}

// RunTrial trains trial i of s, writes its model directory dir/NAME and its
// result dir/NAME.json (both atomically, the result last), and returns the
// result. A trial finished in dir by an earlier run is not run again: its
// result is returned (Resumed). A trial whose training fails returns a
// Result with Error and writes nothing; the error return is for a
// cancelled context, a bad Spec and a directory that cannot be written.
func RunTrial(ctx context.Context, s Spec, i int, dir string, opt TrialOptions) (Result, error) {
	if r, ok := Finished(dir, s, i); ok {
		return r, nil
	}
	start := time.Now()
	cfg, err := s.Config(i)
	if err != nil {
		return Result{}, err
	}
	if s.Base.Get("threads") == nil && s.Trials[i].Get("threads") == nil {
		cfg.Threads = opt.Threads
	}
	name := s.Name(i)
	res := Result{Trial: i, Model: name, Settings: s.Trials[i], Threads: cfg.Threads}
	model := filepath.Join(dir, name)
	if err := safefile.RemoveStale(model); err != nil {
		return Result{}, fmt.Errorf("%s: %v", model, err)
	}
	m, err := s.train(ctx, cfg, opt)
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	if err != nil {
		res.Error = err.Error()
		res.Seconds = time.Since(start).Seconds()
		return res, nil
	}
	if len(opt.Columns) == m.Inputs {
		m.Columns = opt.Columns
	}
	if err := m.Save(model); err != nil {
		return Result{}, err
	}
	h := m.History
	res.Metrics, res.EvalOn = *h.All, "train"
	if h.Val != nil {
		res.Metrics, res.EvalOn = *h.Val, "val"
	}
	res.Epochs, res.TrainSeconds, res.Config = h.Epochs, h.Seconds, m.Config
	if len(h.Stops) > 0 {
		res.StopReason = string(h.Stops[len(h.Stops)-1].Reason)
	}
	res.Seconds = time.Since(start).Seconds()
	err = safefile.Write(filepath.Join(dir, name+".json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(trialFile{Spec: s.of(i), Result: res})
	})
	return res, err
}

// train opens what opt does not hold and trains.
func (s Spec) train(ctx context.Context, cfg sae.Config, opt TrialOptions) (*sae.Model, error) {
	src := opt.Data
	if src == nil {
		x, closeData, err := s.Open(streamAbove)
		if err != nil {
			return nil, err
		}
		defer closeData()
		src = x
	}
	to := sae.TrainOptions{Progress: opt.Progress}
	if opt.Val != nil {
		to.Val = *opt.Val
	} else if s.Val != "" {
		v, err := sae.LoadData(s.Val, s.DataOptions())
		if err != nil {
			return nil, err
		}
		to.Val = v
	}
	if _, cols := src.Dims(); to.Val.Rows > 0 && to.Val.Cols != cols {
		return nil, fmt.Errorf("%s: rows have %d values, the training data %d", s.Val, to.Val.Cols, cols)
	}
	return sae.Train(ctx, src, cfg, to)
}

// streamAbove is the size (as float32) above which a trial on its own
// reads the data from disk a batch at a time, as sae train --stream auto
// does.
const streamAbove = 64 << 20

// Open opens the Spec's data as sae train does: loaded into memory (a
// Matrix, which trials may share) up to loadMax bytes as float32, or read
// from disk a batch at a time when larger and its format allows (a
// *sae.Rows, one per trial: it is not safe for concurrent use). A model
// trained either way is the same. close releases the data.
func (s Spec) Open(loadMax int64) (src sae.Source, close func(), err error) {
	src, _, close, err = s.open(loadMax)
	return src, close, err
}

// open is Open, with the names of the data's columns (nil: unnamed).
func (s Spec) open(loadMax int64) (src sae.Source, names []string, close func(), err error) {
	r, err := sae.OpenRows(s.Data, s.DataOptions())
	switch {
	case err == nil:
		rows, cols := r.Dims()
		if int64(rows)*int64(cols)*4 > loadMax {
			return r, r.Names(), func() { r.Close() }, nil
		}
		defer r.Close()
		m, err := readAll(r)
		return m, r.Names(), func() {}, err
	case !errors.Is(err, sae.ErrNotStreamable):
		return nil, nil, nil, err
	}
	t, err := sae.LoadTable(s.Data, s.DataOptions())
	if err != nil {
		return nil, nil, nil, err
	}
	return *t.Matrix, t.Names, func() {}, nil
}

// readAll reads every row of r into memory (what LoadData would give, with
// no second decoding of a compressed file).
func readAll(r *sae.Rows) (sae.Matrix, error) {
	rows, cols := r.Dims()
	m := sae.NewMatrix(rows, cols)
	idx := make([]int, 0, 4096)
	for lo := 0; lo < rows; lo += cap(idx) {
		idx = idx[:0]
		for i := lo; i < min(rows, lo+cap(idx)); i++ {
			idx = append(idx, i)
		}
		if err := r.ReadRows(m.Data[lo*cols:(lo+len(idx))*cols], idx); err != nil {
			return sae.Matrix{}, err
		}
	}
	return m, nil
}
