package nn_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/nn"
	"github.com/sae-go/sae/interop"
)

// wiringData is n rows of d values: sparse sums of a few directions.
func wiringData(n, d int) sae.Matrix {
	rng := rand.New(rand.NewPCG(7, 7))
	dirs := make([]float32, 12*d)
	for i := range dirs {
		dirs[i] = float32(rng.NormFloat64())
	}
	x := sae.NewMatrix(n, d)
	for i := 0; i < n; i++ {
		for s := 0; s < 2; s++ {
			j, c := rng.IntN(12), float32(0.5+rng.Float64())
			for p := 0; p < d; p++ {
				x.Row(i)[p] += c * dirs[j*d+p]
			}
		}
	}
	return x
}

// Every sparsity kind in the table, including the test-only square kind
// (kind_square_test.go), works through the whole library with nothing but
// its file and its table row: its fields are Config's, Config resolves and
// validates it (and refuses TargetL0 without a coefficient to tune), it
// trains, a run stopped after a checkpoint resumes to the same model, the
// model saves and loads to the same codes, and SAELens export either
// reproduces its codes or is refused with a reason.
func TestEveryKindIsWiredThroughTheLibrary(t *testing.T) {
	const d = 10
	x := wiringData(300, d)
	ct := reflect.TypeOf(sae.Config{})
	for _, k := range nn.Kinds() {
		t.Run(k.Name(), func(t *testing.T) {
			for _, f := range k.Fields() {
				if _, ok := ct.FieldByName(f); !ok {
					t.Fatalf("field %s is not Config's", f)
				}
			}
			cfg := sae.DefaultConfig()
			cfg.Sparsity, cfg.Activation, cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.ValSplit = sae.Sparsity(k.Name()), sae.ReLU, 16, 4, 32, 0.2
			if err := cfg.Resolve(d, 240).Validate(); err != nil {
				t.Fatalf("defaults refused: %v", err)
			}
			tl := cfg
			tl.TargetL0 = 3
			var ce sae.ConfigError
			err := tl.Resolve(d, 240).Validate()
			if hasTarget := k.Target(&nn.Params{}).Field != ""; hasTarget != (err == nil) ||
				!hasTarget && !(errors.As(err, &ce) && ce[0].Field == "TargetL0") {
				t.Fatalf("TargetL0 with a target %v: %v", hasTarget, err)
			}

			want := train(t, x, cfg, sae.TrainOptions{})
			if !strings.Contains(want.String(), k.Name()) {
				t.Errorf("description %q does not name the kind", want)
			}
			// Stopped after the checkpoint of epoch 2, then resumed.
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			opt := sae.TrainOptions{CheckpointDir: dir, CheckpointEvery: 1, Progress: func(p sae.Progress) {
				if p.EpochCompleted && p.Epoch == 2 {
					cancel()
				}
			}}
			if _, err := sae.Train(ctx, x, cfg, opt); !errors.Is(err, context.Canceled) {
				t.Fatalf("the stopped run: %v", err)
			}
			got := train(t, x, cfg, sae.TrainOptions{CheckpointDir: dir, Resume: true})
			if !reflect.DeepEqual(got.Weights(), want.Weights()) || got.Threshold != want.Threshold {
				t.Fatal("the resumed run's model differs from the uninterrupted run's")
			}

			path := filepath.Join(t.TempDir(), "m")
			if err := want.Save(path); err != nil {
				t.Fatal(err)
			}
			back, err := sae.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := want.Encode(x)
			b, _ := back.Encode(x)
			if !slices.Equal(a.Data, b.Data) || back.String() != want.String() || back.Config.Sparsity != cfg.Sparsity {
				t.Fatalf("loaded %s encodes differently from %s", back, want)
			}

			exp := filepath.Join(t.TempDir(), "saelens")
			if err := interop.ExportSAELens(want, exp); err != nil {
				if !strings.Contains(err.Error(), "cannot express") {
					t.Fatalf("export refused without a reason: %v", err)
				}
				t.Logf("SAELens export refused: %v", err)
				return
			}
			imp, err := interop.ImportSAELens(exp)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := imp.Encode(x)
			for i := range a.Data {
				if math.Abs(float64(c.Data[i]-a.Data[i])) > 1e-4*(1+math.Abs(float64(a.Data[i]))) {
					t.Fatalf("code %d: %g exported and imported, %g trained", i, c.Data[i], a.Data[i])
				}
			}
		})
	}
}

func train(t *testing.T, x sae.Matrix, cfg sae.Config, opt sae.TrainOptions) *sae.Model {
	t.Helper()
	m, err := sae.Train(context.Background(), x, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Every kind in the table trains as a transcoder with a skip (the target
// a fixed map of the input, with input and target scalings), through the
// whole library: a run stopped after a checkpoint resumes to the same
// model, the model saves and loads to the same codes and predictions, and
// SAELens export reproduces both or is refused with a reason.
func TestEveryKindTrainsAsATranscoder(t *testing.T) {
	const d, o = 10, 6
	x := wiringData(300, d)
	y := sae.NewMatrix(300, o)
	for i := 0; i < 300; i++ {
		for q := 0; q < o; q++ {
			y.Row(i)[q] = 3*float32(math.Max(0, float64(x.Row(i)[q]-x.Row(i)[q+4]))) + x.Row(i)[q+1] + 5
		}
	}
	for _, k := range nn.Kinds() {
		t.Run(k.Name(), func(t *testing.T) {
			cfg := sae.DefaultConfig()
			cfg.Sparsity, cfg.Activation, cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.ValSplit = sae.Sparsity(k.Name()), sae.ReLU, 16, 4, 32, 0.2
			cfg.Skip, cfg.Normalize = true, sae.NormalizeStandard
			want := train(t, x, cfg, sae.TrainOptions{Target: y})
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			opt := sae.TrainOptions{Target: y, CheckpointDir: dir, CheckpointEvery: 1, Progress: func(p sae.Progress) {
				if p.EpochCompleted && p.Epoch == 2 {
					cancel()
				}
			}}
			if _, err := sae.Train(ctx, x, cfg, opt); !errors.Is(err, context.Canceled) {
				t.Fatalf("the stopped run: %v", err)
			}
			got := train(t, x, cfg, sae.TrainOptions{Target: y, CheckpointDir: dir, Resume: true})
			if !reflect.DeepEqual(got.Weights(), want.Weights()) {
				t.Fatal("the resumed run's model differs from the uninterrupted run's")
			}
			path := filepath.Join(t.TempDir(), "m")
			if err := want.Save(path); err != nil {
				t.Fatal(err)
			}
			back, err := sae.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := want.Encode(x)
			p, _ := want.Reconstruct(x)
			b, _ := back.Encode(x)
			q, _ := back.Reconstruct(x)
			if !slices.Equal(a.Data, b.Data) || !slices.Equal(p.Data, q.Data) || back.String() != want.String() {
				t.Fatalf("loaded %s encodes or predicts differently from %s", back, want)
			}
			exp := filepath.Join(t.TempDir(), "saelens")
			if err := interop.ExportSAELens(want, exp); err != nil {
				if !strings.Contains(err.Error(), "cannot express") {
					t.Fatalf("export refused without a reason: %v", err)
				}
				t.Logf("SAELens export refused: %v", err)
				return
			}
			imp, err := interop.ImportSAELens(exp)
			if err != nil {
				t.Fatal(err)
			}
			if !imp.Transcoder() || imp.Outputs() != o {
				t.Fatalf("imported %s", imp)
			}
			c, _ := imp.Encode(x)
			r, _ := imp.Reconstruct(x)
			for i := range a.Data {
				if math.Abs(float64(c.Data[i]-a.Data[i])) > 1e-4*(1+math.Abs(float64(a.Data[i]))) {
					t.Fatalf("code %d: %g exported and imported, %g trained", i, c.Data[i], a.Data[i])
				}
			}
			for i := range p.Data {
				if math.Abs(float64(r.Data[i]-p.Data[i])) > 1e-4*(1+math.Abs(float64(p.Data[i]))) {
					t.Fatalf("prediction %d: %g exported and imported, %g trained", i, r.Data[i], p.Data[i])
				}
			}
		})
	}
}
