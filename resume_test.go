package sae

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A run interrupted after any epoch and resumed from its checkpoint ends
// with exactly the model of the uninterrupted run: every phase (sparse,
// fine-tuning, supervised), early stopping, noise, both optimisers.
func TestResumeIsExact(t *testing.T) {
	x := sparseData(400, 10, 6, 2, 11)
	labels := make([]int, x.Rows)
	for i := range labels {
		labels[i] = i % 3
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		opt  TrainOptions
	}{
		{"sparse+finetune+noise", func(c *Config) { c.FinetuneEpochs, c.Noise = 3, "mask:0.2" }, TrainOptions{}},
		{"early-stop", func(c *Config) { c.Patience, c.Epochs, c.LR = 1, 30, 0.1 }, TrainOptions{}},
		{"sgd", func(c *Config) { c.Optimizer, c.Momentum = SGD, 0.9 }, TrainOptions{}},
		{"labels", func(c *Config) { c.SupervisedEpochs = 3 }, TrainOptions{Labels: labels}},
		{"batchtopk+auxk", func(c *Config) {
			c.Sparsity, c.K, c.Activation, c.Hidden, c.DeadWindow = SparsityBatchTopK, 2, ReLU, 12, 300
		}, TrainOptions{}},
		{"jumprelu", func(c *Config) { c.Sparsity, c.Hidden, c.Bandwidth, c.DeadWindow = SparsityJumpReLU, 12, 0.05, 300 }, TrainOptions{}},
		{"target-l0", func(c *Config) {
			c.Sparsity, c.Activation, c.TargetL0, c.Epochs = SparsityL1, ReLU, 3, 6
		}, TrainOptions{}},
		{"topk+resample", func(c *Config) {
			c.Sparsity, c.K, c.Hidden, c.DeadWindow, c.Epochs = SparsityTopK, 2, 40, 100, 6
		}, TrainOptions{}},
		// Early stopping counts from the last resample, which is not the
		// best epoch: the checkpoint keeps where it counts from (restarts
		// at 3x the live norm, so that they do not pay off at once;
		// resuming from the best epoch instead fails here).
		{"topk+resample+early-stop", func(c *Config) {
			c.Sparsity, c.K, c.Hidden, c.DeadWindow, c.Epochs, c.Patience, c.Resample = SparsityTopK, 2, 40, 100, 12, 2, 3
		}, TrainOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Hidden, cfg.Epochs, cfg.Batch = 6, 4, 64
			tc.edit(&cfg)
			want, err := Train(context.Background(), x, cfg, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			total := want.History.Epochs
			for stopAt := 1; stopAt < total; stopAt++ {
				dir := filepath.Join(t.TempDir(), "ckpt")
				ctx, cancel := context.WithCancel(context.Background())
				opt := tc.opt
				opt.CheckpointDir, opt.CheckpointEvery = dir, 1
				epochs := 0
				opt.Progress = func(p Progress) {
					if p.EpochCompleted {
						if epochs++; epochs == stopAt {
							cancel()
						}
					}
				}
				if _, err := Train(ctx, x, cfg, opt); !errors.Is(err, context.Canceled) {
					t.Fatalf("stopping after epoch %d: %v", stopAt, err)
				}
				cancel()
				opt.Progress, opt.Resume = nil, true
				got, err := Train(context.Background(), x, cfg, opt)
				if err != nil {
					t.Fatalf("resuming after epoch %d: %v", stopAt, err)
				}
				if !slices.Equal(got.net.Params, want.net.Params) || got.Threshold != want.Threshold {
					t.Fatalf("resumed after epoch %d of %d: the model differs from the uninterrupted run's", stopAt, total)
				}
				h, w := got.History, want.History
				if h.Epochs != w.Epochs || !slices.Equal(h.TrainLoss, w.TrainLoss) || !slices.Equal(h.ValLoss, w.ValLoss) || h.BestEpoch != w.BestEpoch || h.FinetuneFrom != w.FinetuneFrom || h.SupervisedFrom != w.SupervisedFrom {
					t.Fatalf("resumed after epoch %d: history %+v, want %+v", stopAt, h, w)
				}
			}
		})
	}
}

func TestResumeRefusesOtherRunsAndDamage(t *testing.T) {
	x := sparseData(200, 8, 5, 2, 12)
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs = 4, 2
	dir := filepath.Join(t.TempDir(), "ckpt")
	if _, err := Train(context.Background(), x, cfg, TrainOptions{CheckpointDir: dir, CheckpointEvery: 1}); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Hidden = 5
	if _, err := Train(context.Background(), x, other, TrainOptions{CheckpointDir: dir, Resume: true}); err == nil {
		t.Fatal("resumed a checkpoint of a run with other settings")
	}
	path := filepath.Join(dir, StateFile)
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 1
	os.WriteFile(path, b, 0o644)
	if _, err := Train(context.Background(), x, cfg, TrainOptions{CheckpointDir: dir, Resume: true}); err == nil {
		t.Fatal("resumed a damaged checkpoint")
	}
	if _, err := Train(context.Background(), x, cfg, TrainOptions{CheckpointDir: t.TempDir(), Resume: true}); !errors.Is(err, errNoCheckpoint) {
		t.Fatalf("empty directory: %v", err)
	}
	cfg.Optimizer = LBFGS
	if _, err := Train(context.Background(), x, cfg, TrainOptions{CheckpointDir: dir, CheckpointEvery: 1}); err == nil {
		t.Fatal("lbfgs checkpoints accepted")
	}
}

// The early-stopping case must really stop early, or it tests nothing.
func TestResumeEarlyStopCaseStops(t *testing.T) {
	x := sparseData(400, 10, 6, 2, 11)
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.Patience, cfg.LR = 6, 30, 64, 1, 0.1
	m, err := Train(context.Background(), x, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.History.StoppedEarly {
		t.Fatal("the early-stopping case of TestResumeIsExact does not stop early")
	}
}

// A checkpoint is not resumed on other data of the same shape, nor with
// other settings, and the refusal says what differs.
func TestResumeRefusesOtherDataOfSameShape(t *testing.T) {
	x := sparseData(200, 8, 5, 2, 12)
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Epochs = 4, 2
	dir := filepath.Join(t.TempDir(), "ckpt")
	if _, err := Train(context.Background(), x, cfg, TrainOptions{CheckpointDir: dir, CheckpointEvery: 1}); err != nil {
		t.Fatal(err)
	}
	// The same shape, one value changed in a row the sample reads.
	y := NewMatrix(x.Rows, x.Cols)
	copy(y.Data, x.Data)
	y.Row(x.Rows / 2)[3] += 1
	_, err := Train(context.Background(), y, cfg, TrainOptions{CheckpointDir: dir, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "other data of the same shape") {
		t.Errorf("resume on other data of the same shape: %v", err)
	}
	_, err = Train(context.Background(), x.Slice(0, 150), cfg, TrainOptions{CheckpointDir: dir, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "200 rows of 8 values, this run has 150 of 8") {
		t.Errorf("resume on fewer rows: %v", err)
	}
	other := cfg
	other.Hidden = 6
	_, err = Train(context.Background(), x, other, TrainOptions{CheckpointDir: dir, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "Config.Hidden 4, this run 6") {
		t.Errorf("resume with other settings: %v", err)
	}
	if _, err := Train(context.Background(), x, cfg, TrainOptions{CheckpointDir: dir, Resume: true}); err != nil {
		t.Errorf("resume on the same data: %v", err)
	}
}
