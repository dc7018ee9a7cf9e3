package sae

import (
	"encoding/json"
	"math"
	"math/rand/v2"

	"github.com/sae-go/sae/internal/nn"
)

// activeEps is the magnitude above which a latent counts as active.
const activeEps = nn.ActiveEps

// Metrics are a model's figures on N rows: MSE (input units); FVU, the
// squared error over the squared deviation from the column means; L0, the
// latents with |a| > 1e-6 per row; a VAE's ELBO per row; the encoder
// Jacobian's mean norm (one layer); the loss (scaled units); per latent.
type Metrics struct {
	N              int       `json:"n"`
	MSE            float64   `json:"mse"`
	FVU            float64   `json:"fvu"`
	L0             float64   `json:"l0"`
	MeanActivation float64   `json:"mean_activation"`
	DeadFraction   float64   `json:"dead_fraction"`
	ELBO           float64   `json:"elbo,omitempty"`
	JacobianNorm   float64   `json:"jacobian_norm"`
	Loss           float64   `json:"loss"`
	FiringRate     []float64 `json:"-"`
	LatentMean     []float64 `json:"-"`
}

// metricsJSON is Metrics as stored in a model's history: JSON has no NaN
// (the FVU of rows that do not vary is NaN), so a value that is not finite
// is written as null and read back as NaN.
type metricsJSON struct {
	N              int       `json:"n"`
	MSE            jsonFloat `json:"mse"`
	FVU            jsonFloat `json:"fvu"`
	L0             jsonFloat `json:"l0"`
	MeanActivation jsonFloat `json:"mean_activation"`
	DeadFraction   jsonFloat `json:"dead_fraction"`
	ELBO           jsonFloat `json:"elbo,omitempty"`
	JacobianNorm   jsonFloat `json:"jacobian_norm"`
	Loss           jsonFloat `json:"loss"`
}

// MarshalJSON writes a non-finite figure as null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	return json.Marshal(metricsJSON{N: m.N, MSE: jsonFloat(m.MSE), FVU: jsonFloat(m.FVU), L0: jsonFloat(m.L0),
		MeanActivation: jsonFloat(m.MeanActivation), DeadFraction: jsonFloat(m.DeadFraction), ELBO: jsonFloat(m.ELBO),
		JacobianNorm: jsonFloat(m.JacobianNorm), Loss: jsonFloat(m.Loss)})
}

// UnmarshalJSON reads what MarshalJSON wrote; null is NaN.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	var j metricsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*m = Metrics{N: j.N, MSE: float64(j.MSE), FVU: float64(j.FVU), L0: float64(j.L0),
		MeanActivation: float64(j.MeanActivation), DeadFraction: float64(j.DeadFraction), ELBO: float64(j.ELBO),
		JacobianNorm: float64(j.JacobianNorm), Loss: float64(j.Loss)}
	return nil
}

// jsonFloat is a float64 written as JSON writes it, or null when it is NaN
// or infinite; null reads back as NaN.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jsonFloat(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(f))
}

// Eval computes Metrics on the rows of x (input units) in one pass.
func (m *Model) Eval(x Source) (Metrics, error) {
	if m.Transcoder() {
		return Metrics{}, errTranscoder
	}
	return m.evalSource(x, nil, nil)
}

// evalScoreSource is Eval and Score in one pass over x.
func (m *Model) evalScoreSource(x Source) (Metrics, []float64, error) {
	n, _ := x.Dims()
	scores := make([]float64, n)
	mt, err := m.evalSource(x, nil, scores)
	if err != nil {
		return Metrics{}, nil, err
	}
	return mt, scores, nil
}

// evalSource computes the metrics of x (a transcoder's: of its
// predictions of the targets y; nil for an autoencoder) and, if scores is
// not nil, each row's anomaly score into it, exactly as Score does.
func (m *Model) evalSource(x, y Source, scores []float64) (Metrics, error) {
	if err := checkSource(x, "eval input", m.Inputs); err != nil {
		return Metrics{}, err
	}
	n, _ := x.Dims()
	d := m.Outputs()
	h := m.net.H
	mt := Metrics{N: n, FiringRate: make([]float64, h), LatentMean: make([]float64, h)}
	if n == 0 {
		return mt, nil
	}
	// The FVU denominator, sum over features of the squared deviations
	// from the feature's mean, in the same pass.
	mom := newColMoments(d)
	var sse, sumAct, active, loss, jac, elbo float64
	elboRng := rand.New(rand.NewPCG(1, 0xe1b0)) // fixed draws: the same ELBO every run
	colSq := m.net.EncoderColumnSquares()
	var readErr error
	err := m.forEachChunk(x, func(s *inferScratch, xs, raw []float32, lo, hi int) {
		rows := hi - lo
		if m.net.VAE() {
			elbo += m.net.ELBOSum(&s.w, xs, rows, elboRng)
		}
		ys := xs
		if y != nil {
			var err error
			if raw, ys, err = m.readTargets(s, y, lo, hi); err != nil {
				readErr = err
				return
			}
		}
		// The mean path: leaves the code and the reconstruction in s.w.
		loss += m.net.ReconLoss(&s.w, xs, ys, rows)
		a := s.w.Code(m.net, rows)
		if colSq != nil {
			jac += nn.JacobianNorm(m.net.Act(), colSq, h, a, rows) * float64(rows)
		}
		mom.add(raw, rows)
		s.rec = grow(s.rec, rows*d)
		rec := s.rec
		copy(rec, s.w.Output(m.net, rows))
		if scores != nil {
			rowScores(scores[lo:hi], rec, xs, d)
		}
		m.outNorm().invert(rec, d)
		for i := 0; i < rows; i++ {
			xr := raw[i*d : (i+1)*d]
			for j, v := range rec[i*d : i*d+d] {
				e := float64(v - xr[j])
				sse += e * e
			}
			for j, v := range a[i*h : i*h+h] {
				sumAct += float64(v)
				mt.LatentMean[j] += float64(v)
				if math.Abs(float64(v)) > activeEps {
					active++
					mt.FiringRate[j]++
				}
			}
		}
	})
	if err == nil {
		err = readErr
	}
	if err != nil {
		return Metrics{}, err
	}
	var sst float64
	for _, v := range mom.m2 {
		sst += v
	}
	nf := float64(n)
	mt.MSE = sse / (nf * float64(d))
	if sst > 0 {
		mt.FVU = sse / sst
	} else {
		mt.FVU = math.NaN()
	}
	mt.L0 = active / nf
	mt.MeanActivation = sumAct / (nf * float64(h))
	mt.Loss = loss / nf
	mt.JacobianNorm = jac / nf
	mt.ELBO = elbo / nf
	dead := 0
	for j := range mt.FiringRate {
		if mt.FiringRate[j] == 0 {
			dead++
		}
		mt.FiringRate[j] /= nf
		mt.LatentMean[j] /= nf
	}
	mt.DeadFraction = float64(dead) / float64(h)
	return mt, nil
}

// colMoments accumulates per-column means and sums of squared deviations
// from them over rows added a chunk at a time: each chunk's moments are
// merged into the running ones (Chan, Golub and LeVeque's update), one pass
// and stable for data far from zero.
type colMoments struct {
	n                    int
	mean, m2, cmean, cm2 []float64
}

func newColMoments(d int) *colMoments {
	return &colMoments{mean: make([]float64, d), m2: make([]float64, d), cmean: make([]float64, d), cm2: make([]float64, d)}
}

// add merges the rows x [rows, d].
func (c *colMoments) add(x []float32, rows int) {
	if rows == 0 {
		return
	}
	d := len(c.mean)
	clear(c.cmean)
	clear(c.cm2)
	for i := 0; i < rows; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			c.cmean[j] += float64(v)
		}
	}
	for j := range c.cmean {
		c.cmean[j] /= float64(rows)
	}
	for i := 0; i < rows; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			e := float64(v) - c.cmean[j]
			c.cm2[j] += e * e
		}
	}
	na, nb := float64(c.n), float64(rows)
	for j := range c.mean {
		delta := c.cmean[j] - c.mean[j]
		c.mean[j] += delta * nb / (na + nb)
		c.m2[j] += c.cm2[j] + delta*delta*na*nb/(na+nb)
	}
	c.n += rows
}
