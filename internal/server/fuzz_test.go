package server

import (
	"encoding/json"
	"math"
	"sync"
	"testing"

	"github.com/sae-go/sae"
)

// FuzzAPI sends arbitrary bodies to the three model routes: every answer
// is a 200 with the model's own results for the rows encoding/json reads
// from the body, or a 4xx with a JSON error; never a 5xx or a panic.
func FuzzAPI(f *testing.F) {
	for _, s := range []string{
		`{"inputs":[[1,2,3,4,5,6,7,8]]}`,
		`{"inputs":[[1,2,3,4,5,6,7,8],[0,0,0,0,0,0,0,-1e-3]]}`,
		`{"inputs":[[1,2,3,4,5,6,7,8]],"inputs":[[0,0,0,0,0,0,0,0]]}`,
		`{"inputs":[[1e38,1e38,1e38,1e38,1e38,1e38,1e38,1e38]]}`,
		`{"inputs":[[1,2,3]]}`,
		`{"inputs":[]}`,
		`{"inputs":[[1,2,3,4,5,6,7,NaN]]}`,
		`[`,
	} {
		for route := byte(0); route < 3; route++ {
			f.Add(route, []byte(s))
		}
	}
	var once sync.Once
	var m *sae.Model
	var s *Server
	f.Fuzz(func(t *testing.T, route byte, body []byte) {
		once.Do(func() {
			m = trainModel(t, 1)
			s = newTestServer(t, m, Options{MaxBody: 1 << 14, MaxBatch: 4})
		})
		path := [...]string{"/v1/encode", "/v1/reconstruct", "/v1/score"}[route%3]
		code, b := do(t, s.Handler(), "POST", path, "application/json", body)
		if !json.Valid(b) {
			t.Fatalf("%d answer is not JSON: %q", code, b)
		}
		want, rows, refErr := refParse(body, testWidth, 4)
		if code != 200 {
			var e struct{ Error string }
			json.Unmarshal(b, &e)
			if e.Error == "" {
				t.Fatalf("%d answer has no error message: %s", code, b)
			}
			if code == 422 && refErr == nil {
				return // the model's output overflowed on huge inputs
			}
			if code < 400 || code > 499 || refErr == nil && len(body) <= 1<<14 {
				t.Fatalf("%q: %d %s (encoding/json error: %v)", body, code, b, refErr)
			}
			return
		}
		if refErr != nil {
			t.Fatalf("%q: 200 but encoding/json refuses it: %v", body, refErr)
		}
		x := sae.Matrix{Rows: rows, Cols: testWidth, Data: want}
		a := decode(t, b)
		switch route % 3 {
		case 0:
			y, _ := m.Encode(x)
			sameMatrix(t, "codes", a.Codes, y)
		case 1:
			y, _ := m.Reconstruct(x)
			sameMatrix(t, "reconstructions", a.Reconstructions, y)
		case 2:
			sc, _ := m.Score(x)
			for i := range sc {
				if a.Scores[i] != sc[i] && !(math.IsNaN(sc[i])) {
					t.Fatalf("score %d: %g, want %g", i, a.Scores[i], sc[i])
				}
			}
		}
	})
}
