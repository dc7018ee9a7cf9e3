// Command saebeam runs sae's batch jobs on Apache Beam: score and encode
// files far larger than a machine, and sweeps, on Prism (one machine),
// Flink, Spark or Google Cloud Dataflow (--runner).
//
//	saebeam score  --model M --input 'acts/*.npy' --out scores/   [Beam flags]
//	saebeam encode --model M --input 'acts/*.npy' --out codes/    [Beam flags]
//	saebeam sweep  --data x.npy --out sweep/ --set k=20,40,80      [Beam flags]
//
// The same binary is the pipeline's workers: Beam starts it with --worker.
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
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3" // s3:// (gs:// and local come with beamx)
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	saebeam "github.com/sae-go/sae/beam"
	"github.com/sae-go/sae/sweep"
)

// listFlag is a flag that may be given several times, or once with
// values separated by commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

var (
	model     = flag.String("model", "", "score, encode: the model `dir`ectory (local or gs://, s3://)")
	inputs    listFlag
	column    = flag.String("column", "", "the array or table `column`(s) to read, as sae's --column")
	out       = flag.String("out", "", "the output `dir`ectory: part files and manifest.json (score, encode), or the sweep directory (sweep: a path every worker sees)")
	shardRows = flag.Int("shard-rows", saebeam.DefaultShardRows, "score, encode: rows of a shard, a part file")
	data      = flag.String("data", "", "sweep: the training data `file`")
	val       = flag.String("val", "", "sweep: validation data `file` (default: each trial holds out its val_split)")
	grid      = flag.String("grid", "", "sweep: the grid `file` (JSON), as sae sweep's")
	sets      listFlag
	pareto    = flag.String("pareto", "l0,fvu", "sweep: the Pareto chart's two `figures`")
	threads   = flag.Int("trial-threads", 1, "sweep: each trial's cores when the settings do not set threads")
)

func init() {
	flag.Var(&inputs, "input", "score, encode: input file `pattern`s (repeat the flag for more; local paths or gs://, s3://)")
	flag.Var(&sets, "set", "sweep: `KEY=V1,V2,...` settings to try (config.json names; repeat for every combination)")
}

const usage = `saebeam runs sae's batch jobs as Apache Beam pipelines.

Usage:
  saebeam score  --model DIR --input PATTERN [--input PATTERN...] --out DIR [--column C] [--shard-rows N] [Beam flags]
  saebeam encode --model DIR --input PATTERN [--input PATTERN...] --out DIR [--column C] [--shard-rows N] [Beam flags]
  saebeam sweep  --data F --out DIR --grid grid.json | --set KEY=V1,V2,... [--pareto X,Y] [--trial-threads N] [Beam flags]

Beam flags choose the runner: --runner prism (the default: this machine, in
process), flink or spark (with --endpoint, the job server), dataflow (with
--project, --region, --staging_location), and their options. For a cluster,
give the workers a linux/amd64 build of saebeam with --worker_binary. The
README's section "Past one machine: Apache Beam" has whole command lines.
`

// own are saebeam's flags; the others are Beam's.
var own = []string{"model", "input", "column", "out", "shard-rows", "data", "val", "grid", "set", "pareto", "trial-threads"}

// printUsage prints the usage, saebeam's flags, then Beam's.
func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, mine := range []bool{true, false} {
		if mine {
			fmt.Fprint(w, "\nFlags:\n")
		} else {
			fmt.Fprint(w, "\nBeam's flags (every runner's):\n")
		}
		flag.VisitAll(func(f *flag.Flag) {
			if slices.Contains(own, f.Name) != mine {
				return
			}
			name, text := flag.UnquoteUsage(f)
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
				text += " (default " + f.DefValue + ")"
			}
			if name != "" {
				name = " " + name
			}
			fmt.Fprintf(w, "  --%s%s\n    \t%s\n", f.Name, name, strings.ReplaceAll(text, "\n", "\n    \t"))
		})
	}
}

func main() {
	// The job comes first; Beam starts the workers with flags only.
	job := ""
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		job = os.Args[1]
		os.Args = append(os.Args[:1], os.Args[2:]...)
	}
	flag.Usage = func() { printUsage(os.Stderr) }
	flag.Parse()
	beam.Init() // a worker runs here and does not return
	code, err := run(context.Background(), job, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "saebeam: error: %v\n", err)
	}
	os.Exit(code)
}

// usageError marks an error of the command line (exit status 2).
type usageError struct{ error }

func run(ctx context.Context, job string, stdout io.Writer) (int, error) {
	if flag.NArg() > 0 {
		return 2, fmt.Errorf("unexpected argument %q (flags start with --)", flag.Arg(0))
	}
	p, s := beam.NewPipelineWithRoot()
	var err error
	switch job {
	case saebeam.Score, saebeam.Encode:
		err = batch(ctx, job, s)
	case "sweep":
		err = buildSweep(s)
	case "":
		fmt.Fprint(os.Stderr, usage)
		return 2, errors.New("no job: score, encode or sweep")
	default:
		return 2, fmt.Errorf("unknown job %q: score, encode or sweep", job)
	}
	var ue usageError
	if errors.As(err, &ue) {
		return 2, err
	}
	if err != nil {
		return 1, err
	}
	if err := beamx.Run(ctx, p); err != nil {
		return 1, err
	}
	return 0, summary(ctx, job, stdout)
}

func batch(ctx context.Context, mode string, s beam.Scope) error {
	if *model == "" || len(inputs) == 0 || *out == "" {
		return usageError{errors.New("--model, --input and --out are required")}
	}
	var patterns []string
	for _, in := range inputs {
		patterns = append(patterns, strings.Split(in, ",")...)
	}
	b := saebeam.Batch{Mode: mode, Model: *model, Inputs: patterns, Key: *column, Out: *out, ShardRows: *shardRows}
	return b.Build(ctx, s)
}

func buildSweep(s beam.Scope) error {
	if *data == "" || *out == "" {
		return usageError{errors.New("--data and --out are required")}
	}
	if *grid == "" && len(sets) == 0 {
		return usageError{errors.New("give the trials: --grid FILE or --set KEY=V1,V2,... (or both)")}
	}
	spec := sweep.Spec{Data: *data, Key: *column, Val: *val, Trials: []sweep.Settings{nil}}
	if *grid != "" {
		f, err := os.Open(*grid)
		if err != nil {
			return err
		}
		spec.Trials, err = sweep.ParseGrid(f)
		f.Close()
		if err != nil {
			return usageError{fmt.Errorf("%s: %v", *grid, err)}
		}
	}
	set, err := sweep.ParseSet(sets)
	if err != nil {
		return usageError{fmt.Errorf("--set %v", err)}
	}
	spec.Trials = sweep.Cross(spec.Trials, set)
	x, y, _ := strings.Cut(*pareto, ",")
	plot := sweep.Plot{X: x, Y: y}
	if err := plot.Check(); err != nil {
		return usageError{fmt.Errorf("--pareto: %v", err)}
	}
	if err := spec.Check(); err != nil {
		return usageError{err}
	}
	return saebeam.Sweep{Spec: spec, Plot: plot, Out: *out, Threads: *threads}.Build(s)
}

// summary prints what a finished job wrote (nothing for an asynchronous
// run, which has not finished).
func summary(ctx context.Context, job string, w io.Writer) error {
	if job == "sweep" {
		fmt.Fprintf(w, "wrote %s, %s and %s\n", filepath.Join(*out, sweep.TableCSV), filepath.Join(*out, sweep.TableJSON), filepath.Join(*out, sweep.ReportFile))
		return nil
	}
	path := strings.TrimSuffix(*out, "/") + "/" + saebeam.ManifestFile
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, path)
	if err != nil {
		fmt.Fprintf(w, "submitted; %s appears when the job has finished\n", path)
		return nil
	}
	defer r.Close()
	var m saebeam.Manifest
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	fmt.Fprintf(w, "wrote %d rows x %d %s in %d parts to %s (listed in %s)\n", m.Rows, m.Cols, map[string]string{saebeam.Score: "scores", saebeam.Encode: "codes"}[job], len(m.Parts), *out, saebeam.ManifestFile)
	if job == saebeam.Score {
		fmt.Fprintf(w, "%d rows above the model's threshold %.6g\n", m.Flagged, m.Threshold)
	}
	return nil
}
