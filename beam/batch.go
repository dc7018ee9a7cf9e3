package saebeam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/sae-go/sae"
)

func init() {
	register.DoFn3x1[context.Context, Shard, func(Part), error](&workFn{})
	register.Emitter1[Part]()
	register.Combiner3[parts, Part, parts](&collectFn{})
	register.DoFn2x1[context.Context, parts, error](&finishFn{})
}

// Modes of a Batch.
const (
	Score  = "score"  // anomaly scores, float32 [rows, 1], as sae score --out F.npy
	Encode = "encode" // codes, float32 [rows, hidden], as sae encode --out F.npy
)

// Batch is a score or encode job.
type Batch struct {
	Mode      string   // Score or Encode
	Model     string   // the model directory
	Inputs    []string // file patterns, read in order
	Key       string   // the array or table column(s) to read (sae's --column)
	Out       string   // the output directory: part files and manifest.json
	ShardRows int      // rows per shard (0: DefaultShardRows)
}

// ManifestFile lists a finished job's parts; a job writes it last.
const ManifestFile = "manifest.json"

// Manifest says what a finished Batch wrote: its parts in row order.
type Manifest struct {
	Mode      string   `json:"mode"`
	Model     string   `json:"model"`
	Inputs    []string `json:"inputs"`
	Rows      int      `json:"rows"`
	Cols      int      `json:"cols"`
	Threshold float64  `json:"threshold,omitempty"` // score: the model's
	Flagged   int      `json:"n_flagged,omitempty"` // score: rows above it
	Parts     []Part   `json:"parts"`
}

// Part is one part file written: its shard and what it holds.
type Part struct {
	Part      int     `json:"part"`
	Name      string  `json:"name"`
	File      string  `json:"file"` // the input file and its first row
	Lo        int     `json:"lo"`
	Rows      int     `json:"rows"`
	Cols      int     `json:"cols"`
	Flagged   int     `json:"n_flagged,omitempty"`
	Threshold float64 `json:"-"`
}

// Check refuses a job that cannot run, before a pipeline is built: an
// unknown mode, a missing model or output, an output directory that holds
// anything but an earlier run's parts.
func (b Batch) Check(ctx context.Context) error {
	if b.Mode != Score && b.Mode != Encode {
		return fmt.Errorf("mode %q: want %s or %s", b.Mode, Score, Encode)
	}
	if b.Model == "" || b.Out == "" || len(b.Inputs) == 0 {
		return errors.New("a model, inputs and an output directory are required")
	}
	names, err := list(ctx, b.Out)
	if err != nil {
		return err
	}
	for _, n := range names {
		if !ours(n) {
			return fmt.Errorf("%s holds %s, which this job did not write: give a new directory", b.Out, n)
		}
	}
	return nil
}

// ours reports whether name is a file a Batch writes.
func ours(name string) bool {
	return name == ManifestFile || isPart(name) || strings.HasPrefix(name, ".") && strings.Contains(name, tmpMarker)
}

func isPart(name string) bool {
	var a, b int
	n, _ := fmt.Sscanf(name, "part-%05d-of-%05d.npy", &a, &b)
	return n == 2 && name == fmt.Sprintf("part-%05d-of-%05d.npy", a, b)
}

// Build adds the job to the pipeline: the shards (planned now, from the
// inputs' headers), spread over the workers, each written as a part, then
// the manifest.
func (b Batch) Build(ctx context.Context, s beam.Scope) error {
	if err := b.Check(ctx); err != nil {
		return err
	}
	shards, err := Plan(ctx, b.Inputs, b.Key, b.ShardRows)
	if err != nil {
		return err
	}
	s = s.Scope("sae " + b.Mode)
	col := beam.Reshuffle(s, beam.CreateList(s, shards))
	written := beam.ParDo(s, &workFn{Mode: b.Mode, Model: b.Model, Key: b.Key, Out: b.Out}, col)
	all := beam.Combine(s, &collectFn{}, written)
	beam.ParDo0(s, &finishFn{Batch: b, Parts: len(shards)}, all)
	return nil
}

// models holds each model directory loaded in this process: a worker
// loads a model once, whatever its bundles and threads.
var models sync.Map // string -> func() (*sae.Model, error)

// modelLoads counts the loads (for the tests).
var modelLoads atomic.Int64

func loadModel(ctx context.Context, dir string) (*sae.Model, error) {
	once, _ := models.LoadOrStore(dir, sync.OnceValues(func() (*sae.Model, error) {
		modelLoads.Add(1)
		if isLocal(dir) {
			return sae.Load(dir)
		}
		local, done, err := localDir(ctx, dir)
		if err != nil {
			return nil, err
		}
		defer done()
		return sae.Load(local)
	}))
	return once.(func() (*sae.Model, error))()
}

// workFn writes shards as parts.
type workFn struct {
	Mode, Model, Key, Out string

	model *sae.Model
	in    *input // the last input file opened
}

func (f *workFn) Setup(ctx context.Context) error {
	m, err := loadModel(ctx, f.Model)
	f.model = m
	return err
}

func (f *workFn) Teardown() {
	f.in.close()
	f.in = nil
}

// chunkBytes bounds the rows a worker holds at once: input and output.
const chunkBytes = 8 << 20

// For the tests: failHook, when set, is called after each chunk a part has
// written, with the part and its rows so far, and with rows -1 once the
// part is in place: an error fails the bundle there. testChunkRows > 0
// sets the rows of a chunk.
var (
	failHook      func(part, rows int) error
	testChunkRows int
)

func (f *workFn) ProcessElement(ctx context.Context, sh Shard, emit func(Part)) error {
	if f.in == nil || f.in.path != sh.File {
		f.in.close()
		f.in = nil
		in, err := openInput(ctx, sh.File, f.Key)
		if err != nil {
			return err
		}
		f.in = in
	}
	n, cols := f.in.src.Dims()
	if cols != f.model.Inputs {
		return fmt.Errorf("%s: rows have %d values, the model %s expects %d", sh.File, cols, f.Model, f.model.Inputs)
	}
	lo, hi := sh.Lo, sh.Hi
	if hi < 0 {
		lo, hi = 0, n
	}
	if hi > n {
		return fmt.Errorf("%s: rows %d to %d of a file of %d rows (did it change since the job was planned?)", sh.File, lo+1, hi, n)
	}
	outCols := 1
	if f.Mode == Encode {
		outCols = f.model.Hidden()
	}
	p := Part{Part: sh.Part, Name: sh.Name(), File: sh.File, Lo: lo, Rows: hi - lo, Cols: outCols, Threshold: f.model.Threshold}
	chunk := max(1, chunkBytes/(4*max(cols, outCols)))
	if testChunkRows > 0 {
		chunk = testChunkRows
	}
	err := writeFile(ctx, f.Out, p.Name, func(w io.Writer) error {
		nw, err := sae.NewNPYWriter(w, hi-lo, outCols)
		if err != nil {
			return err
		}
		// Chunks of more than sae.SmallBatch rows: each row's result is
		// then the one sae score and sae encode give on the whole file.
		x := sae.NewMatrix(min(chunk+sae.SmallBatch, hi-lo), cols)
		idx := make([]int, 0, chunk+sae.SmallBatch)
		for r, rows := lo, 0; r < hi; r += rows {
			rows = min(chunk, hi-r)
			if hi-r-rows <= sae.SmallBatch {
				rows = hi - r
			}
			idx = idx[:0]
			for i := r; i < r+rows; i++ {
				idx = append(idx, i)
			}
			xs := sae.Matrix{Rows: rows, Cols: cols, Data: x.Data[:rows*cols]}
			if err := f.in.src.ReadRows(xs.Data, idx); err != nil {
				return err
			}
			flagged, err := f.compute(nw, xs)
			if err != nil {
				return err
			}
			p.Flagged += flagged
			if failHook != nil {
				if err := failHook(sh.Part, r+rows-lo); err != nil {
					return err
				}
			}
		}
		return nw.Close()
	})
	if err != nil {
		return err
	}
	if failHook != nil {
		if err := failHook(sh.Part, -1); err != nil {
			return err
		}
	}
	emit(p)
	return nil
}

// compute writes the codes or scores of the rows xs, and counts the rows
// scoring above the model's threshold.
func (f *workFn) compute(w *sae.NPYWriter, xs sae.Matrix) (flagged int, err error) {
	if f.Mode == Encode {
		codes, err := f.model.Encode(xs)
		if err != nil {
			return 0, err
		}
		return 0, w.Write(codes.Data)
	}
	scores, err := f.model.Score(xs)
	if err != nil {
		return 0, err
	}
	col := make([]float32, len(scores))
	for i, s := range scores {
		col[i] = float32(s)
		if s > f.model.Threshold {
			flagged++
		}
	}
	return flagged, w.Write(col)
}

// input is an input file opened on a worker: its rows, and the local copy
// of a remote file.
type input struct {
	path    string
	src     sae.Source
	release func()
}

func (in *input) close() {
	if in != nil {
		in.release()
	}
}

// openInput opens an input file for reading rows: in place with sae's
// streaming readers where its format allows, else loaded whole; a remote
// file is copied to local disk first.
func openInput(ctx context.Context, file, key string) (*input, error) {
	path, cleanup := file, func() {}
	if !isLocal(file) {
		local, done, err := localFile(ctx, file)
		if err != nil {
			return nil, err
		}
		path, cleanup = local, done
	}
	fail := func(err error) (*input, error) {
		cleanup()
		if path != file { // name the file as the job does
			err = errors.New(strings.ReplaceAll(err.Error(), path, file))
		}
		return nil, err
	}
	r, err := sae.OpenRows(path, sae.DataOptions{Key: key})
	switch {
	case err == nil:
		return &input{path: file, src: r, release: func() { r.Close(); cleanup() }}, nil
	case !errors.Is(err, sae.ErrNotStreamable):
		return fail(err)
	}
	m, err := sae.LoadData(path, sae.DataOptions{Key: key})
	if err != nil {
		return fail(err)
	}
	return &input{path: file, src: m, release: cleanup}, nil
}

// parts are the parts written, in part order once extracted.
type parts struct{ List []Part }

// collectFn gathers the parts into one list.
type collectFn struct{}

func (collectFn) CreateAccumulator() parts           { return parts{} }
func (collectFn) AddInput(a parts, p Part) parts     { a.List = append(a.List, p); return a }
func (collectFn) MergeAccumulators(a, b parts) parts { a.List = append(a.List, b.List...); return a }
func (collectFn) ExtractOutput(a parts) parts {
	slices.SortFunc(a.List, func(x, y Part) int { return x.Part - y.Part })
	a.List = slices.CompactFunc(a.List, func(x, y Part) bool { return x.Part == y.Part })
	return a
}

// finishFn writes the manifest once every part is written, and removes
// what earlier or failed attempts left: temporary files, and parts of
// another plan of the job (other part counts).
type finishFn struct {
	Batch Batch
	Parts int
}

func (f *finishFn) ProcessElement(ctx context.Context, all parts) error {
	b := f.Batch
	if len(all.List) != f.Parts {
		return fmt.Errorf("%s: %d of the %d parts were written", b.Out, len(all.List), f.Parts)
	}
	m := Manifest{Mode: b.Mode, Model: b.Model, Inputs: b.Inputs, Parts: all.List}
	keep := map[string]bool{ManifestFile: true}
	for _, p := range all.List {
		m.Rows += p.Rows
		m.Cols = p.Cols
		m.Flagged += p.Flagged
		m.Threshold = p.Threshold
		keep[p.Name] = true
	}
	if b.Mode == Encode {
		m.Threshold = 0
	} else if math.IsNaN(m.Threshold) || math.IsInf(m.Threshold, 0) {
		m.Threshold = 0
	}
	err := writeFile(ctx, b.Out, ManifestFile, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
	if err != nil {
		return err
	}
	names, err := list(ctx, b.Out)
	if err != nil {
		return err
	}
	for _, n := range names {
		if ours(n) && !keep[n] {
			if err := remove(ctx, b.Out, n); err != nil {
				return err
			}
		}
	}
	return nil
}
