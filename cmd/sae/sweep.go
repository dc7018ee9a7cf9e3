package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/sweep"
)

func init() {
	register(&command{
		name:    "sweep",
		summary: "train a model per point of a grid of settings, in parallel; a results table and a Pareto chart",
		usage:   "--data F --out DIR --grid grid.json | --set KEY=V1,V2,... [sae train flags]",
		examples: []string{
			"sae sweep --data acts.npy --out l0sweep --set k=20,40,80,160 --hidden 4096 --epochs 5",
			"sae sweep --data x.npy --out lr --set lr=1e-4,3e-4,1e-3 --set hidden=256,512   (6 trials)",
			"sae sweep --data x.npy --out s --grid grid.json --jobs 2 --threads 4",
			"sae sweep --data x.npy --out s --set sparsity=topk,batchtopk --set k=16,32 --pareto l0,mse",
			`grid.json: {"k": [20, 40, 80], "lr": [0.001, 0.003]} (every combination) or [{"k": 20}, {"k": 40, "lr": 0.003}] (one trial each)`,
			"stopped (Ctrl-C, a kill, a reboot)? the same command again trains only the trials not yet finished",
		},
		groups: sweepGroups(),
		setup:  setupSweep,
	})
}

// sweepGroups are sae sweep's flags as its help lists them: its own, then
// sae train's model flags by concern, which every trial shares.
func sweepGroups() []flagGroup {
	own := []string{"data", "key", "column", "columns", "drop", "id-column", "nan", "val", "val-split", "out", "grid", "set", "config", "from-model", "jobs", "threads", "pareto", "quiet", "json"}
	groups := []flagGroup{{"Sweep", own}}
	for _, g := range trainGroups {
		if g.title == "Data" || g.title == "Output" {
			continue
		}
		var flags []string
		for _, f := range g.flags {
			if !slices.Contains(own, f) {
				flags = append(flags, f)
			}
		}
		if len(flags) == 0 {
			continue
		}
		title := g.title
		if len(groups) == 1 {
			title += " (sae train's flags, every trial's: --set and --grid give a trial's own values)"
		}
		groups = append(groups, flagGroup{title, flags})
	}
	return groups
}

// sweepArgs are sae sweep's flags: the trials' shared model flags (cfg,
// as sae train's) and the sweep's own.
type sweepArgs struct {
	cfg                          sae.Config
	data, key, val, out, grid, p string
	config, fromModel            string
	sets                         []string
	jobs                         int
	quiet                        bool
	table                        *tableFlags
}

func setupSweep(fs *flag.FlagSet, e *env) func(context.Context) error {
	a := &sweepArgs{cfg: sae.DefaultConfig(), table: e.table}
	fs.StringVar(&a.data, "data", "", "training data `file` (any format sae train reads)")
	fs.StringVar(&a.key, "key", "", "array `name` inside .npz or .safetensors")
	fs.StringVar(&a.val, "val", "", "validation data `file` (default: each trial holds out --val-split of --data)")
	fs.StringVar(&a.out, "out", "", "sweep `dir`ectory: a model directory and a result per trial, results.json, results.csv, report.html; the same command again resumes it")
	fs.StringVar(&a.grid, "grid", "", "grid `file` (JSON): an object of settings and the values to try, every combination, or a list of objects, one trial each; keys as in a model's config.json (target_l0, clip_norm)")
	fs.Func("set", "a trial for each value of the model flag KEY: `KEY=V1,V2,...` (repeat for every combination; with --grid, the product of both; commas inside brackets stay: layers=[512,128],[256])", func(s string) error {
		a.sets = append(a.sets, s)
		return nil
	})
	fs.IntVar(&a.jobs, "jobs", 0, "`N` trials trained at once (default: one per core, or as many as --threads leaves cores for)")
	fs.StringVar(&a.p, "pareto", "l0,fvu", "the Pareto chart's two `figures`, both minimised: "+strings.Join(sweep.Figures, ", "))
	fs.BoolVar(&a.quiet, "quiet", false, "no lines on stderr (by default: a line per trial as it finishes, and a status line of the trials training when a minute passes without one)")
	fs.BoolVar(&e.json, "json", false, "print one JSON object with the results on stdout")
	settingsFlags(fs, &a.config, &a.fromModel)
	bindConfig(fs, &a.cfg)
	fs.Lookup("threads").Usage = "each trial's `N` cores (default: the cores shared out among the --jobs, at least one each)"
	return func(ctx context.Context) error {
		spec, plot, err := a.spec(fs)
		if err != nil {
			return err
		}
		opt := sweep.Options{Jobs: a.jobs}
		if flagSet(fs, "threads") {
			opt.Threads = a.cfg.Threads
		}
		total, ran := len(spec.Trials), 0
		st := newSweepStatus(e.stderr, spec, !a.quiet && !e.json)
		opt.Progress = st.progress
		opt.Done = func(r sweep.Result) {
			if !r.Resumed {
				ran++
			}
			st.finished(r)
		}
		stop := st.watch()
		defer stop()
		start := time.Now()
		res, err := sweep.Run(ctx, spec, a.out, plot, opt)
		stop()
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(e.stderr, "sae sweep: the finished trials are kept in %s: the same command resumes the sweep\n", a.out)
			}
			return err
		}
		return a.report(e, res, plot.Front(res), total-ran, time.Since(start))
	}
}

// spec builds the sweep from the flags: the trials of --grid and --set,
// and the base settings of the model flags given.
func (a *sweepArgs) spec(fs *flag.FlagSet) (sweep.Spec, sweep.Plot, error) {
	s := sweep.Spec{Data: a.data, Key: a.key, Val: a.val}
	if t := a.table; t != nil {
		if t.nan != "error" {
			return s, sweep.Plot{}, usagef("--nan %s: sae sweep reads missing values as errors; fill them in, or train with sae train --nan %s", t.nan, t.nan)
		}
		o := t.options(a.key)
		s.Columns, s.Drop, s.IDColumn = o.Columns, o.Drop, o.IDColumn
	}
	var plot sweep.Plot
	if a.data == "" {
		return s, plot, usagef("--data is required")
	}
	if a.out == "" {
		return s, plot, usagef("--out is required")
	}
	if a.grid == "" && len(a.sets) == 0 {
		return s, plot, usagef("give the trials: --grid FILE or --set KEY=V1,V2,... (or both)")
	}
	x, y, _ := strings.Cut(a.p, ",")
	plot = sweep.Plot{X: strings.TrimSpace(x), Y: strings.TrimSpace(y)}
	if err := plot.Check(); err != nil {
		return s, plot, usagef("--pareto %s: %v", a.p, err)
	}
	if a.jobs < 0 {
		return s, plot, usagef("--jobs %d: want a positive number", a.jobs)
	}
	s.Trials = []sweep.Settings{nil}
	if a.grid != "" {
		f, err := os.Open(a.grid)
		if err != nil {
			return s, plot, err
		}
		s.Trials, err = sweep.ParseGrid(f)
		f.Close()
		if err != nil {
			return s, plot, fmt.Errorf("%s: %v", a.grid, err)
		}
	}
	sets := make([]string, len(a.sets))
	for i, kv := range a.sets {
		k, v, _ := strings.Cut(kv, "=")
		sets[i] = configKey(k) + "=" + v
	}
	set, err := sweep.ParseSet(sets)
	if err != nil {
		return s, plot, usagef("--set %v", err)
	}
	s.Trials = sweep.Cross(s.Trials, set)
	if s.Base, err = baseSettings(fs, a.cfg); err != nil {
		return s, plot, err
	}
	if s.Base, err = a.fileBase(fs, s); err != nil {
		return s, plot, err
	}
	if err := s.Check(); err != nil {
		return s, plot, usagef("%s", flagNames(err.Error()))
	}
	return s, plot, nil
}

// fileBase is the base settings of s with those of --config or
// --from-model before them, but the settings the flags or a trial give
// and the threads (the sweep shares out the cores).
func (a *sweepArgs) fileBase(fs *flag.FlagSet, s sweep.Spec) (sweep.Settings, error) {
	f, err := readSettings(a.config, a.fromModel)
	if err != nil || f.s == nil {
		return s.Base, err
	}
	drop := flagKeys(fs)
	drop["threads"] = true
	for _, t := range s.Trials {
		for _, st := range t {
			drop[st.Key] = true
		}
	}
	return append(f.without(drop), s.Base...), nil
}

// configKey is the config.json name of sae train's flag k (k itself when
// no flag has that name).
func configKey(k string) string {
	k = strings.TrimPrefix(strings.TrimSpace(k), "--")
	for _, r := range configFlags {
		if r.flag == k {
			f, _ := reflect.TypeFor[sae.Config]().FieldByName(r.field)
			return configKeyOfField(f)
		}
	}
	return k
}

// baseSettings are the model flags given on the command line, as settings
// of every trial: each field's value in cfg.
func baseSettings(fs *flag.FlagSet, cfg sae.Config) (sweep.Settings, error) {
	var base sweep.Settings
	v := reflect.ValueOf(cfg)
	for _, r := range configFlags {
		if r.flag == "" || !flagSet(fs, r.flag) {
			continue
		}
		b, err := json.Marshal(v.FieldByName(r.field).Interface())
		if err != nil {
			return nil, err
		}
		st, err := sweep.NewSetting(configKey(r.flag), b)
		if err != nil {
			return nil, err
		}
		base = append(base, st)
	}
	return base, nil
}

// statusEvery is the longest sae sweep stays silent on stderr while
// trials train: after that long without a line, a status line names the
// trials running and how far each has got.
var statusEvery = time.Minute

// sweepStatus prints a sweep's lines on stderr: one per trial as it
// finishes, "[3/8]" trials done, and a status line when none has
// finished for statusEvery.
type sweepStatus struct {
	w     io.Writer
	spec  sweep.Spec
	print bool // false: --quiet or --json

	mu      sync.Mutex
	done    int
	start   time.Time
	said    time.Time            // when the last line was printed
	running map[int]sae.Progress // trial: its last step's progress
}

func newSweepStatus(w io.Writer, s sweep.Spec, print bool) *sweepStatus {
	now := time.Now()
	return &sweepStatus{w: w, spec: s, print: print, start: now, said: now, running: map[int]sae.Progress{}}
}

// progress records trial i's progress (called after every training step).
func (st *sweepStatus) progress(i int, p sae.Progress) {
	st.mu.Lock()
	st.running[i] = p
	st.mu.Unlock()
}

// finished prints trial r's line.
func (st *sweepStatus) finished(r sweep.Result) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.running, r.Trial)
	st.done++
	if !st.print {
		return
	}
	st.said = time.Now()
	what := fmt.Sprintf("[%d/%d] %s %s:", st.done, len(st.spec.Trials), r.Model, r.Settings)
	switch {
	case r.Error != "":
		fmt.Fprintf(st.w, "%s failed: %s\n", what, oneLine(flagNames(r.Error)))
	case r.Resumed:
		fmt.Fprintf(st.w, "%s l0 %.2f  fvu %.4f (finished earlier)\n", what, r.Metrics.L0, r.Metrics.FVU)
	default:
		fmt.Fprintf(st.w, "%s l0 %.2f  fvu %.4f  mse %.5g  dead %.1f%% (%d epochs, %.1fs, %d threads)\n", what, r.Metrics.L0, r.Metrics.FVU, r.Metrics.MSE, 100*r.Metrics.DeadFraction, r.Epochs, r.Seconds, r.Threads)
	}
}

// watch prints a status line whenever statusEvery passes without a line,
// until stop is called (more than once is fine).
func (st *sweepStatus) watch() (stop func()) {
	if !st.print {
		return func() {}
	}
	quit, over := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(over)
		t := time.NewTicker(max(statusEvery/4, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				st.status(now)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-over }) }
}

// status prints "sweep: 3/8 trials done in 12m0s; training trial-003 k=80
// (sparse: epoch 2 of 5, step 412 of 1170), ..." when nothing was printed
// for statusEvery.
func (st *sweepStatus) status(now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if now.Sub(st.said) < statusEvery || len(st.running) == 0 {
		return
	}
	st.said = now
	trials := make([]int, 0, len(st.running))
	for i := range st.running {
		trials = append(trials, i)
	}
	slices.Sort(trials)
	parts := make([]string, len(trials))
	for j, i := range trials {
		p := st.running[i]
		of := ""
		if p.Bound {
			of = "at most "
		}
		how := fmt.Sprintf("%s: epoch %d of %s%d, step %d of %s%d", p.Phase, p.Epoch, of, p.Epochs, p.Step, of, p.Steps)
		if p.Phase == sae.PhaseFinal {
			how = "trained: the final passes over the data"
		}
		parts[j] = fmt.Sprintf("%s %s (%s)", st.spec.Name(i), st.spec.Trials[i], how)
	}
	fmt.Fprintf(st.w, "sweep: %d/%d trials done in %s; training %s\n", st.done, len(st.spec.Trials), now.Sub(st.start).Round(time.Second), strings.Join(parts, ", "))
}

// report prints the sweep's summary: the files, the trials on the front.
func (a *sweepArgs) report(e *env, res []sweep.Result, front []int, resumed int, took time.Duration) error {
	failed := 0
	for _, r := range res {
		if r.Error != "" {
			failed++
		}
	}
	files := []string{filepath.Join(a.out, sweep.TableCSV), filepath.Join(a.out, sweep.TableJSON), filepath.Join(a.out, sweep.ReportFile)}
	if e.json {
		return printJSON(e.stdout, map[string]any{
			"out": a.out, "trials": len(res), "resumed": resumed, "failed": failed, "front": front,
			"seconds": math.Round(took.Seconds()*1000) / 1000, "table": files[0], "report": files[2],
		})
	}
	fmt.Fprintf(e.stdout, "swept %d trials in %.1fs (%d finished earlier, %d failed); on the Pareto front: %s\n", len(res), took.Seconds(), resumed, failed, trialList(res, front))
	fmt.Fprintf(e.stdout, "wrote %s\n", strings.Join(files, ", "))
	return nil
}

// trialList names the trials of front by their settings.
func trialList(res []sweep.Result, front []int) string {
	if len(front) == 0 {
		return "none"
	}
	parts := make([]string, len(front))
	for i, t := range front {
		parts[i] = fmt.Sprintf("%s (%s)", res[t].Model, res[t].Settings)
	}
	return strings.Join(parts, ", ")
}
