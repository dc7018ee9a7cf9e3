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
	RNG       []byte  `json:"rng"`
	OptT      int     `json:"opt_t"`
	B1t       float64 `json:"b1t,omitempty"`
	B2t       float64 `json:"b2t,omitempty"`
	// Selection codes: samples since each latent fired, and batchtopk's
	// count of threshold updates.
	Dead           []int64 `json:"dead,omitempty"`
	ThresholdSteps int     `json:"threshold_steps,omitempty"`
	// Target is the target-L0 controller's state (Config.TargetL0).
	Target *l0Controller `json:"target_l0,omitempty"`
	// Plateau is the plateau schedule's state (Config.Decay plateau).
	Plateau *plateau `json:"plateau,omitempty"`

	params, m, v, best []float32
	perm               []uint32
}

const (
	phaseSparse = iota
	phaseFinetune
	phaseSupervised
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
