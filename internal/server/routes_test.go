package server

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/sae-go/sae"
)

// trainClassifier trains a small stacked model with two classes: rows
// whose first value is positive are class 1.
func trainClassifier(t testing.TB) *sae.Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 1))
	x := sae.NewMatrix(300, testWidth)
	labels := make([]int, x.Rows)
	for i := range x.Rows {
		for j := range testWidth {
			x.Row(i)[j] = float32(rng.NormFloat64())
		}
		if x.Row(i)[0] > 0 {
			labels[i] = 1
		}
	}
	cfg := sae.DefaultConfig()
	cfg.Layers, cfg.Stacked, cfg.Epochs, cfg.SupervisedEpochs = []int{6, 4}, true, 2, 30
	cfg.Activation, cfg.Sparsity = sae.ReLU, sae.SparsityL1
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// /v1/predict answers a labelled model's classes and probabilities, the
// library's; /v1/model says how many classes.
func TestPredictRoute(t *testing.T) {
	m := trainClassifier(t)
	h := newTestServer(t, m, Options{}).Handler()
	rng := rand.New(rand.NewPCG(8, 1))
	rows, x := randomRows(rng, 5, testWidth)
	code, body := do(t, h, "POST", "/v1/predict", "application/json", inputsBody(rows))
	if code != http.StatusOK {
		t.Fatalf("predict: %d %s", code, body)
	}
	var a struct {
		Classes       []int       `json:"classes"`
		Probabilities [][]float32 `json:"probabilities"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	want, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Classes) != 5 || len(a.Probabilities) != 5 {
		t.Fatalf("answer %s", body)
	}
	for i := range 5 {
		p := want.Row(i)
		best := 0
		if p[1] > p[0] {
			best = 1
		}
		if a.Classes[i] != best || len(a.Probabilities[i]) != 2 || a.Probabilities[i][0] != p[0] || a.Probabilities[i][1] != p[1] {
			t.Errorf("row %d: class %d, probabilities %v; the model's %v", i, a.Classes[i], a.Probabilities[i], p)
		}
	}
	code, body = do(t, h, "GET", "/v1/model", "", nil)
	var info ModelInfo
	if err := json.Unmarshal(body, &info); err != nil || code != 200 || info.Classes != 2 {
		t.Errorf("model info: %d %s", code, body)
	}
	if got := metricValue(t, h, `sae_rows_total{route="/v1/predict"}`); got != 5 {
		t.Errorf("predict rows counted %g, want 5", got)
	}
}

// /v1/explain answers each row's score, its flag and its top columns as
// Model.Explain gives them (the scores /v1/score's), ?top=N of them, with
// the columns' names when the model has them.
func TestExplainRoute(t *testing.T) {
	m := trainModel(t, 1)
	rng := rand.New(rand.NewPCG(4, 1))
	rows, x := randomRows(rng, 3, testWidth)
	rows[1][5] = 40 // far off in column 5: the most of row 1's error
	x.Row(1)[5] = 40
	names := []string{"a", "b", "c", "d", "e", "f\"5", "g", "h"}
	s, err := New(func() (*Model, error) {
		md := FromSAE(m, "test-model")
		md.Columns = names
		return md, nil
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	type feature struct {
		Column   int     `json:"column"`
		Name     *string `json:"name"`
		Share    float64 `json:"share"`
		Value    float32 `json:"value"`
		Expected float32 `json:"expected"`
	}
	type explanation struct {
		Score     float64   `json:"score"`
		Anomalous bool      `json:"anomalous"`
		Features  []feature `json:"features"`
	}
	var a struct {
		Explanations []explanation `json:"explanations"`
		Threshold    float64       `json:"threshold"`
	}
	for _, top := range []int{3, 8} {
		path := "/v1/explain"
		if top != 3 {
			path += "?top=8"
		}
		code, body := do(t, h, "POST", path, "application/json", inputsBody(rows))
		if code != http.StatusOK {
			t.Fatalf("explain: %d %s", code, body)
		}
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		want, err := m.Explain(x, top)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Explanations) != 3 || a.Threshold != m.Threshold {
			t.Fatalf("answer %s", body)
		}
		for i, e := range a.Explanations {
			w := want[i]
			if e.Score != w.Score || e.Anomalous != (w.Score > m.Threshold) || len(e.Features) != top {
				t.Fatalf("row %d: %+v, want %+v", i, e, w)
			}
			for k, f := range e.Features {
				wf := w.Features[k]
				if f.Column != wf.Column || f.Share != wf.Share || f.Value != wf.Value || f.Expected != wf.Expected || f.Name == nil || *f.Name != names[f.Column] {
					t.Errorf("row %d feature %d: %+v, want %+v named %q", i, k, f, wf, names[wf.Column])
				}
			}
		}
		if c := a.Explanations[1].Features[0]; c.Column != 5 || c.Share < 0.5 {
			t.Errorf("row 1's first column %d (share %g), want the planted column 5", c.Column, c.Share)
		}
	}
	// The shares of all the columns make up the row.
	var sum float64
	for _, f := range a.Explanations[0].Features {
		sum += f.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares of all 8 columns sum to %g", sum)
	}
	// The scores are /v1/score's.
	_, body := do(t, h, "POST", "/v1/score", "application/json", inputsBody(rows))
	var sc answer
	json.Unmarshal(body, &sc)
	for i := range 3 {
		if sc.Scores[i] != a.Explanations[i].Score {
			t.Errorf("row %d: explain's score %g, /v1/score's %g", i, a.Explanations[i].Score, sc.Scores[i])
		}
	}
	// Without names, no "name" field.
	_, body = do(t, newTestServer(t, m, Options{}).Handler(), "POST", "/v1/explain", "application/json", inputsBody(rows))
	if strings.Contains(string(body), `"name"`) {
		t.Errorf("names without any known: %s", body)
	}
}

// A body without a Content-Type is answered as application/json is.
func TestNoContentTypeAccepted(t *testing.T) {
	m := trainModel(t, 1)
	h := newTestServer(t, m, Options{}).Handler()
	rng := rand.New(rand.NewPCG(2, 1))
	rows, _ := randomRows(rng, 2, testWidth)
	for _, path := range []string{"/v1/score", "/v1/encode", "/v1/explain"} {
		c1, b1 := do(t, h, "POST", path, "application/json", inputsBody(rows))
		c2, b2 := do(t, h, "POST", path, "", inputsBody(rows))
		if c1 != 200 || c2 != 200 || string(b1) != string(b2) {
			t.Errorf("%s: with the type %d %s, without %d %s", path, c1, b1, c2, b2)
		}
	}
	code, b := do(t, h, "POST", "/v1/score", "", []byte("inputs=1"))
	checkError(t, code, b, 400, "want a JSON object")
}

// A transcoder has no scores to explain.
func TestExplainTranscoderRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	x, y := sae.NewMatrix(100, testWidth), sae.NewMatrix(100, 2)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	copy(y.Data, x.Data[:len(y.Data)])
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Epochs = 4, 1
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{Target: y})
	if err != nil {
		t.Fatal(err)
	}
	code, b := do(t, newTestServer(t, m, Options{}).Handler(), "POST", "/v1/explain", "application/json", []byte(`{"inputs":[[1,2,3,4,5,6,7,8]]}`))
	checkError(t, code, b, 400, "explain: the model is a transcoder")
}
