package sae

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"

	"github.com/sae-go/sae/internal/safefile"
)

// StateFile is the training state in a checkpoint directory, replaced
// atomically: a crash leaves the previous checkpoint or the new one.
const StateFile = "state.ckpt"

const stateMagic = "SAESTATE1\n"

// errNoCheckpoint is returned (wrapped) when resuming finds no checkpoint.
var errNoCheckpoint = errors.New("no checkpoint")

// trainState is what a checkpoint records at the end of an epoch of a
// mini-batch phase: with the same data and settings, the run that resumes
// from it produces exactly the model the uninterrupted run would.
type trainState struct {
	Key       string  `json:"key"`   // digest of the settings and data shape
	Phase     int     `json:"phase"` // phaseSparse, phaseFinetune, phaseSupervised
	Epoch     int     `json:"epoch"` // epochs of the phase completed
	Stopped   bool    `json:"stopped"`
	PhaseStep int     `json:"phase_step"`
	Step      int     `json:"step"`
	Samples   int     `json:"samples"`
	Seconds   float64 `json:"seconds"`
	History   History `json:"history"`
	BestVal   float64 `json:"best_val"` // +Inf encoded as null
	HasBest   bool    `json:"has_best"`
	// PatienceFrom is the epoch early stopping counts from (absent in
	// checkpoints of earlier versions: the best epoch).
	PatienceFrom int     `json:"patience_from,omitempty"`
	BestAccuracy float64 `json:"best_accuracy,omitempty"` // of the supervised phase's best weights
	RNG          []byte  `json:"rng"`
	OptT         int     `json:"opt_t"`
	B1t          float64 `json:"b1t,omitempty"`
	B2t          float64 `json:"b2t,omitempty"`
	// Selection codes: samples since each latent fired, and batchtopk's
	// count of threshold updates.
	Dead           []int64 `json:"dead,omitempty"`
	ThresholdSteps int     `json:"threshold_steps,omitempty"`
	// Target is the target-L0 controller's state (Config.TargetL0).
	Target *l0Controller `json:"target_l0,omitempty"`
	// Plateau is the plateau schedule's state (Config.Decay plateau).
	Plateau *plateau `json:"plateau,omitempty"`
	// Config and Data are what Key digests, kept to say what differs when
	// a run resumes with other settings or data (absent in checkpoints of
	// earlier versions).
	Config *Config    `json:"config,omitempty"`
	Data   *dataPrint `json:"data,omitempty"`

	params, m, v, best []float32
	perm               []uint32
}

const (
	phaseSparse = iota
	phaseFinetune
	phaseSupervised
	// phaseScratch is a stacked classifier's supervised phase from random
	// initialisation (stacked.go), which writes no checkpoints.
	phaseScratch
)

// stateKey digests what must match between the run that wrote a checkpoint
// and the one resuming it: the resolved settings and the data's shape.
func stateKey(cfg Config, rows, cols, valRows, classes int) string {
	b, _ := json.Marshal(struct {
		Cfg                         Config
		Rows, Cols, ValRows, Labels int
	}{cfg, rows, cols, valRows, classes})
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:12])
}

// dataPrint identifies the data of a run: its shape and a hash of a sample
// of its rows and of its labels. Rows of other data of the same shape
// almost surely differ in the sample: a checkpoint is not resumed on them.
type dataPrint struct {
	Rows    int    `json:"rows"`
	Cols    int    `json:"cols"`
	ValRows int    `json:"val_rows"`
	Sample  string `json:"sample"` // sha256 of the sampled rows' float32 bits and the labels, 24 hex digits
}

// printRows is how many rows of the training data (a quarter as many of
// the validation data) dataPrint's hash reads, spread evenly over them.
const printRows = 64

// fingerprint reads the dataPrint of the training rows src, the validation
// rows val (or nil) and the labels.
func fingerprint(src, val Source, labels, valLabels []int) (*dataPrint, error) {
	rows, cols := src.Dims()
	p := &dataPrint{Rows: rows, Cols: cols}
	h := sha256.New()
	sample := func(s Source, n int) error {
		rows, cols := s.Dims()
		var idx []int
		for i := 0; i < min(n, rows); i++ {
			idx = append(idx, int(int64(i)*int64(rows)/int64(min(n, rows))))
		}
		buf := make([]float32, len(idx)*cols)
		if err := s.ReadRows(buf, idx); err != nil {
			return err
		}
		return binary.Write(h, binary.LittleEndian, buf)
	}
	if err := sample(src, printRows); err != nil {
		return nil, err
	}
	if val != nil {
		p.ValRows, _ = val.Dims()
		if err := sample(val, printRows/4); err != nil {
			return nil, err
		}
	}
	for _, y := range [][]int{labels, valLabels} {
		binary.Write(h, binary.LittleEndian, int64(len(y)))
		for _, l := range y {
			binary.Write(h, binary.LittleEndian, int32(l))
		}
	}
	p.Sample = hex.EncodeToString(h.Sum(nil)[:12])
	return p, nil
}

// checkData refuses to resume the checkpoint st on data other than its
// run's, saying how they differ.
func (st *trainState) checkData(dir string, now *dataPrint) error {
	was := st.Data
	switch {
	case was == nil || *was == *now:
		return nil
	case was.Rows != now.Rows || was.Cols != now.Cols:
		return fmt.Errorf("checkpoint in %s: written from training data of %d rows of %d values, this run has %d of %d; resume with the same data", dir, was.Rows, was.Cols, now.Rows, now.Cols)
	case was.ValRows != now.ValRows:
		return fmt.Errorf("checkpoint in %s: written with %d validation rows, this run has %d; resume with the same validation data", dir, was.ValRows, now.ValRows)
	}
	return fmt.Errorf("checkpoint in %s: written from other data of the same shape (%d rows of %d values: a sample of the rows or the labels differs); resume with the same data", dir, now.Rows, now.Cols)
}

// settingsDiff names the first setting in which the checkpoint's run and
// this one differ, as "Config.Hidden 256, this run 64"; empty when none is
// known.
func (st *trainState) settingsDiff(now Config) string {
	if st.Config == nil {
		return ""
	}
	a, b := reflect.ValueOf(*st.Config), reflect.ValueOf(now)
	for i := 0; i < a.NumField(); i++ {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			return fmt.Sprintf("Config.%s %v, this run %v", a.Type().Field(i).Name, a.Field(i).Interface(), b.Field(i).Interface())
		}
	}
	return ""
}

// writeState writes st to dir/StateFile atomically.
func writeState(dir string, st *trainState) error {
	if math.IsInf(st.BestVal, 0) {
		st.BestVal = 0
	}
	head, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	path := filepath.Join(dir, StateFile)
	// Temporary files of writes a crash interrupted.
	if err := safefile.RemoveStale(path); err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	err = safefile.Write(path, func(w io.Writer) error {
		crc := crc32.NewIEEE()
		bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16)
		bw.WriteString(stateMagic)
		binary.Write(bw, binary.LittleEndian, uint64(len(head)))
		bw.Write(head)
		for _, a := range [][]float32{st.params, st.m, st.v, st.best} {
			binary.Write(bw, binary.LittleEndian, uint64(len(a)))
			binary.Write(bw, binary.LittleEndian, a)
		}
		binary.Write(bw, binary.LittleEndian, uint64(len(st.perm)))
		binary.Write(bw, binary.LittleEndian, st.perm)
		if err := bw.Flush(); err != nil {
			return err
		}
		return binary.Write(w, binary.LittleEndian, crc.Sum32())
	})
	if err != nil {
		return fmt.Errorf("checkpoint %s: %v", path, err)
	}
	return nil
}

// readState reads dir/StateFile, checking its framing and checksum.
func readState(dir string) (*trainState, error) {
	path := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w in %s (no %s)", errNoCheckpoint, dir, StateFile)
		}
		return nil, fmt.Errorf("checkpoint %s: %v", path, err)
	}
	bad := func(what string) error { return fmt.Errorf("checkpoint %s: %s", path, what) }
	if len(b) < len(stateMagic)+12 || string(b[:len(stateMagic)]) != stateMagic {
		return nil, bad("not a checkpoint file")
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, bad("checksum mismatch (damaged file)")
	}
	r := bytes.NewReader(body[len(stateMagic):])
	next := func(size int) (int, error) {
		var n uint64
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil || n > uint64(r.Len()/size) {
			return 0, bad("truncated")
		}
		return int(n), nil
	}
	n, err := next(1)
	if err != nil {
		return nil, err
	}
	head := make([]byte, n)
	r.Read(head)
	st := &trainState{}
	if err := json.Unmarshal(head, st); err != nil {
		return nil, bad("header: " + err.Error())
	}
	if st.Phase < phaseSparse || st.Phase > phaseSupervised || st.Epoch < 0 || st.PhaseStep < 0 {
		return nil, bad(fmt.Sprintf("phase %d epoch %d: not a point in training", st.Phase, st.Epoch))
	}
	if !st.HasBest {
		st.BestVal = math.Inf(1)
	}
	for _, dst := range []*[]float32{&st.params, &st.m, &st.v, &st.best} {
		if n, err = next(4); err != nil {
			return nil, err
		}
		*dst = make([]float32, n)
		binary.Read(r, binary.LittleEndian, *dst)
	}
	if n, err = next(4); err != nil {
		return nil, err
	}
	st.perm = make([]uint32, n)
	binary.Read(r, binary.LittleEndian, st.perm)
	if r.Len() != 0 {
		return nil, bad("trailing bytes")
	}
	return st, nil
}
