package saebeam

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/sae-go/sae/sweep"
)

func init() {
	register.DoFn3x1[context.Context, int, func(string), error](&trialFn{})
	register.Emitter1[string]()
	register.Combiner3[results, string, results](&gatherFn{})
	register.DoFn1x1[results, error](&tableFn{})
}

// Sweep is a sweep run as a pipeline: one trial per element, each trained
// by sweep.RunTrial in the sweep directory (model directories and results
// as sae sweep writes them, so that a sweep begun by one resumes in the
// other), then the results table and the report.
type Sweep struct {
	Spec sweep.Spec
	Plot sweep.Plot
	// Out is the sweep directory, on a filesystem every worker sees (a
	// shared mount on a cluster): the models are written there as sae
	// writes a model directory.
	Out string
	// Threads is each trial's cores when the Spec does not set threads
	// (0: 1; a runner runs as many bundles at once as a worker has
	// cores).
	Threads int
}

// Build checks the sweep, makes Out its directory (or checks that it is
// one of the same Spec) and adds the sweep to the pipeline.
func (w Sweep) Build(s beam.Scope) error {
	if !isLocal(w.Out) {
		return fmt.Errorf("%s: a sweep directory is a local path (a mount every worker sees), not a Beam filesystem's", w.Out)
	}
	if err := w.Spec.Check(); err != nil {
		return err
	}
	if err := w.Plot.Check(); err != nil {
		return err
	}
	if err := sweep.Claim(w.Out, w.Spec); err != nil {
		return err
	}
	spec, err := json.Marshal(w.Spec)
	if err != nil {
		return err
	}
	trials := make([]int, len(w.Spec.Trials))
	for i := range trials {
		trials[i] = i
	}
	s = s.Scope("sae sweep")
	col := beam.Reshuffle(s, beam.CreateList(s, trials))
	res := beam.ParDo(s, &trialFn{Spec: string(spec), Out: w.Out, Threads: max(1, w.Threads)}, col)
	all := beam.Combine(s, &gatherFn{}, res)
	beam.ParDo0(s, &tableFn{Spec: string(spec), Out: w.Out, X: w.Plot.X, Y: w.Plot.Y}, all)
	return nil
}

// trialFn runs one trial and emits its result as JSON.
type trialFn struct {
	Spec    string // sweep.Spec as JSON
	Out     string
	Threads int

	spec sweep.Spec
}

func (f *trialFn) Setup() error { return json.Unmarshal([]byte(f.Spec), &f.spec) }

func (f *trialFn) ProcessElement(ctx context.Context, trial int, emit func(string)) error {
	r, err := sweep.RunTrial(ctx, f.spec, trial, f.Out, sweep.TrialOptions{Threads: f.Threads})
	if err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	emit(string(b))
	return nil
}

// results are the trials' results as JSON.
type results struct{ List []string }

// gatherFn gathers the results into one list.
type gatherFn struct{}

func (gatherFn) CreateAccumulator() results             { return results{} }
func (gatherFn) AddInput(a results, r string) results   { a.List = append(a.List, r); return a }
func (gatherFn) MergeAccumulators(a, b results) results { a.List = append(a.List, b.List...); return a }
func (gatherFn) ExtractOutput(a results) results        { return a }

// tableFn writes the results table and the report.
type tableFn struct {
	Spec, Out, X, Y string
}

func (f *tableFn) ProcessElement(all results) error {
	var spec sweep.Spec
	if err := json.Unmarshal([]byte(f.Spec), &spec); err != nil {
		return err
	}
	res := make([]sweep.Result, 0, len(all.List))
	for _, b := range all.List {
		var r sweep.Result
		if err := json.Unmarshal([]byte(b), &r); err != nil {
			return err
		}
		res = append(res, r)
	}
	slices.SortFunc(res, func(a, b sweep.Result) int { return a.Trial - b.Trial })
	res = slices.CompactFunc(res, func(a, b sweep.Result) bool { return a.Trial == b.Trial })
	if len(res) != len(spec.Trials) {
		return fmt.Errorf("%s: %d of the %d trials reported", f.Out, len(res), len(spec.Trials))
	}
	return sweep.WriteTable(f.Out, spec, res, sweep.Plot{X: f.X, Y: f.Y})
}
