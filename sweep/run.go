package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/safefile"
)

// Options are how Run runs the trials on this machine.
type Options struct {
	// Jobs is the trials trained at once (0: as many as Threads leaves
	// cores for, or one per core, at most the trials).
	Jobs int
	// Threads is each trial's cores when the Spec does not set threads
	// (0: the cores shared out among the jobs, at least one each).
	Threads int
	// Done, when set, is called after each trial, finished now or in an
	// earlier run (Result.Resumed), one call at a time.
	Done func(r Result)
	// Progress, when set, is called after every training step of trial
	// (its index in the Spec), from the goroutine training it: calls for
	// different trials may come at once.
	Progress func(trial int, p sae.Progress)
}

// Plan returns the jobs and each trial's threads for n trials on cores
// cores: given threads, as many jobs as the cores hold; given jobs, the
// cores shared out among them; neither, a job per core with one thread
// each (trials apart scale better than one trial's threads: no trial waits
// for another's slowest thread). Jobs never exceed the trials.
func Plan(n, cores, jobs, threads int) (int, int) {
	switch {
	case jobs <= 0 && threads > 0:
		jobs = max(1, cores/threads)
	case jobs <= 0:
		jobs = cores
	}
	jobs = max(1, min(jobs, n))
	if threads <= 0 {
		threads = max(1, cores/jobs)
	}
	return jobs, threads
}

// loadMax is the largest data (as float32) Run loads once for all trials
// to share; larger data is read from disk by each trial.
const loadMax = 1 << 30

// Run runs the sweep s in dir: each trial's model directory and result
// there (RunTrial), Jobs trials at a time, then the results table and the
// report (WriteTable) with the Pareto chart of plot. Trials finished by an
// earlier run of the same Spec in dir are not run again; a dir holding
// another Spec is refused. It returns the results in trial order.
func Run(ctx context.Context, s Spec, dir string, plot Plot, opt Options) ([]Result, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if err := Claim(dir, s); err != nil {
		return nil, err
	}
	jobs, threads := Plan(len(s.Trials), runtime.NumCPU(), opt.Jobs, opt.Threads)
	topt := TrialOptions{Threads: threads}
	src, names, closeData, err := s.open(loadMax)
	if err != nil {
		return nil, err
	}
	topt.Columns = names
	defer closeData()
	if _, shared := src.(sae.Matrix); shared {
		topt.Data = src
	}
	if s.Val != "" {
		v, err := sae.LoadData(s.Val, s.DataOptions())
		if err != nil {
			return nil, err
		}
		topt.Val = &v
	}
	results := make([]Result, len(s.Trials))
	errs := make([]error, len(s.Trials))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := topt
				if opt.Progress != nil {
					t.Progress = func(p sae.Progress) { opt.Progress(i, p) }
				}
				results[i], errs[i] = RunTrial(ctx, s, i, dir, t)
				if errs[i] == nil && opt.Done != nil {
					mu.Lock()
					opt.Done(results[i])
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range s.Trials {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, WriteTable(dir, s, results, plot)
}

// Claim makes dir a sweep directory of s: a new one, or one whose
// sweep.json is s (a resumed sweep).
func Claim(dir string, s Spec) error {
	path := filepath.Join(dir, SpecFile)
	b, err := os.ReadFile(path)
	if err == nil {
		var old Spec
		if json.Unmarshal(b, &old) == nil && sameSpec(old, s) {
			return nil
		}
		return fmt.Errorf("%s holds another sweep (its %s differs from this one's data or settings): give a new directory, or the same settings to resume it", dir, SpecFile)
	}
	if st, err := os.Stat(dir); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", dir)
		}
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			return fmt.Errorf("%s exists and holds files but no %s: give a new directory", dir, SpecFile)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return WriteSpec(path, s)
}

// WriteSpec writes s as JSON to path, atomically.
func WriteSpec(path string, s Spec) error {
	return safefile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	})
}
