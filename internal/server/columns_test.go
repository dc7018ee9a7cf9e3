package server

import (
	"encoding/json"
	"fmt"
	"testing"
)

// /v1/model names the input columns of a model trained on a table with
// names, in the order rows give them, and says nothing of unnamed ones.
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
}
