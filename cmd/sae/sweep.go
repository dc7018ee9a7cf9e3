package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
			"sae sweep --data x.npy --out lr --set lr=1e-4,3e-4,1e-3 --set hidden=256,512",
			"sae sweep --data x.npy --out s --grid grid.json --jobs 2 --threads 4",
			"sae sweep --data x.npy --out s --set sparsity=topk,batchtopk --set k=16,32 --pareto l0,mse",
			`grid.json: {"k": [20, 40, 80], "lr": [0.001, 0.003]} (every combination) or [{"k": 20}, {"k": 40, "lr": 0.003}] (one trial each)`,
		},
		setup: setupSweep,
	})
}

// sweepArgs are sae sweep's flags: the trials' shared model flags (cfg,
// as sae train's) and the sweep's own.
type sweepArgs struct {
	cfg                          sae.Config
	data, key, val, out, grid, p string
	sets                         []string
	jobs                         int
	quiet                        bool
}

func setupSweep(fs *flag.FlagSet, e *env) func(context.Context) error {
	a := &sweepArgs{cfg: sae.DefaultConfig()}
	fs.StringVar(&a.data, "data", "", "training data `file` (any format sae train reads)")
	fs.StringVar(&a.key, "key", "", "array `name` inside .npz or .safetensors")
	fs.StringVar(&a.val, "val", "", "validation data `file` (default: each trial holds out --val-split of --data)")
	fs.StringVar(&a.out, "out", "", "sweep `dir`ectory: a model directory and a result per trial, results.json, results.csv, report.html; the same command again resumes it")
	fs.StringVar(&a.grid, "grid", "", "grid `file` (JSON): an object of settings and the values to try, every combination, or a list of objects, one trial each; keys as in a model's config.json (target_l0, clip_norm)")
	fs.Func("set", "try these values of a sae train flag: `KEY=V1,V2,...` (repeat for every combination; with --grid, the product of both; commas inside brackets stay: layers=[512,128],[256])", func(s string) error {
		a.sets = append(a.sets, s)
		return nil
	})
	fs.IntVar(&a.jobs, "jobs", 0, "`N` trials trained at once (default: one per core, or as many as --threads leaves cores for)")
	fs.StringVar(&a.p, "pareto", "l0,fvu", "the Pareto chart's two `figures`, both minimised: "+strings.Join(sweep.Figures, ", "))
	fs.BoolVar(&a.quiet, "quiet", false, "no line per trial on stderr")
	fs.BoolVar(&e.json, "json", false, "print one JSON object with the results on stdout")
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
		opt.Done = func(r sweep.Result) {
			if !r.Resumed {
				ran++
			}
			if !a.quiet && !e.json {
				printTrial(e, spec, r)
			}
		}
		start := time.Now()
		res, err := sweep.Run(ctx, spec, a.out, plot, opt)
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
	if err := s.Check(); err != nil {
		return s, plot, usagef("%s", flagNames(err.Error()))
	}
	return s, plot, nil
}

// configKey is the config.json name of sae train's flag k (k itself when
// no flag has that name).
func configKey(k string) string {
	k = strings.TrimPrefix(strings.TrimSpace(k), "--")
	for _, r := range configFlags {
		if r.flag == k {
			f, _ := reflect.TypeFor[sae.Config]().FieldByName(r.field)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			return name
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

// printTrial prints a trial's line on stderr as it finishes.
func printTrial(e *env, s sweep.Spec, r sweep.Result) {
	what := fmt.Sprintf("%s %s:", r.Model, r.Settings)
	switch {
	case r.Error != "":
		fmt.Fprintf(e.stderr, "%s failed: %s\n", what, oneLine(flagNames(r.Error)))
	case r.Resumed:
		fmt.Fprintf(e.stderr, "%s l0 %.2f  fvu %.4f (finished earlier)\n", what, r.Metrics.L0, r.Metrics.FVU)
	default:
		fmt.Fprintf(e.stderr, "%s l0 %.2f  fvu %.4f  mse %.5g  dead %.1f%% (%d epochs, %.1fs, %d threads)\n", what, r.Metrics.L0, r.Metrics.FVU, r.Metrics.MSE, 100*r.Metrics.DeadFraction, r.Epochs, r.Seconds, r.Threads)
	}
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
