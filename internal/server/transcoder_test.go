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

// A transcoder serves: /v1/reconstruct answers its predictions (target
// width), /v1/model says that width, and /v1/score is a 400 saying why.
func TestServeTranscoder(t *testing.T) {
	const o = 3
	rng := rand.New(rand.NewPCG(5, 1))
	x, y := sae.NewMatrix(200, testWidth), sae.NewMatrix(200, o)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for i := 0; i < 200; i++ {
		for q := 0; q < o; q++ {
			y.Row(i)[q] = float32(math.Max(0, float64(x.Row(i)[q]))) + 2
		}
	}
	cfg := sae.DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.Sparsity, cfg.K, cfg.Skip = 6, 3, sae.SparsityTopK, 2, true
	m, err := sae.Train(context.Background(), x, cfg, sae.TrainOptions{Target: y})
	if err != nil {
		t.Fatal(err)
	}
	h := newTestServer(t, m, Options{}).Handler()
	rows := [][]float32{x.Row(0), x.Row(1)}
	code, body := do(t, h, "POST", "/v1/reconstruct", "application/json", inputsBody(rows))
	if code != http.StatusOK {
		t.Fatalf("reconstruct: %d %s", code, body)
	}
	var got struct{ Reconstructions [][]float32 }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := m.Reconstruct(sae.Matrix{Rows: 2, Cols: testWidth, Data: append(append([]float32(nil), rows[0]...), rows[1]...)})
	if len(got.Reconstructions) != 2 || len(got.Reconstructions[0]) != o {
		t.Fatalf("predictions %v", got.Reconstructions)
	}
	for i, r := range got.Reconstructions {
		for q, v := range r {
			if v != want.Row(i)[q] {
				t.Fatalf("prediction [%d][%d] %g, the model's %g", i, q, v, want.Row(i)[q])
			}
		}
	}
	if code, body := do(t, h, "POST", "/v1/score", "application/json", inputsBody(rows)); code != http.StatusBadRequest || !strings.Contains(string(body), "transcoder") {
		t.Errorf("score: %d %s", code, body)
	}
	code, body = do(t, h, "GET", "/v1/model", "", nil)
	var info ModelInfo
	if err := json.Unmarshal(body, &info); err != nil || code != http.StatusOK || info.Outputs != o || info.Inputs != testWidth {
		t.Errorf("model info %d %s", code, body)
	}
}
