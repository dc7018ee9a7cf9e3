package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// /v1/model names the input columns of a model trained on a table with
// names, in the order rows give them, and says nothing of unnamed ones;
// /v1/explain names them too (FromSAE passes sae.Model.Columns on).
func TestModelInfoNamesColumns(t *testing.T) {
	m := trainModel(t, 3)
	var info map[string]any
	_, b := do(t, newTestServer(t, m, Options{}).Handler(), "GET", "/v1/model", "", nil)
	json.Unmarshal(b, &info)
	if _, ok := info["columns"]; ok {
		t.Errorf("an unnamed model's info has columns: %s", b)
	}
	m.Columns = make([]string, m.Inputs)
	for i := range m.Columns {
		m.Columns[i] = fmt.Sprintf("c%d", i)
	}
	_, b = do(t, newTestServer(t, m, Options{}).Handler(), "GET", "/v1/model", "", nil)
	info = nil
	json.Unmarshal(b, &info)
	if got := fmt.Sprint(info["columns"]); got != fmt.Sprint(m.Columns) {
		t.Errorf("columns %s, want %v", got, m.Columns)
	}
	// /v1/explain names the columns of a model loaded with names.
	rows, _ := randomRows(rand.New(rand.NewPCG(4, 1)), 1, testWidth)
	_, b = do(t, newTestServer(t, m, Options{}).Handler(), "POST", "/v1/explain", "application/json", inputsBody(rows))
	if !strings.Contains(string(b), `"name":"c`) {
		t.Errorf("/v1/explain of a model with column names: %s", b)
	}
}
