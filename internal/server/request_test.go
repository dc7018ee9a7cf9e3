package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// refParse is parseInputs' specification written with encoding/json: the
// body must be valid JSON, an object whose keys are all "inputs" (each
// value a valid batch; the last one counts), each batch 1..maxRows rows of
// width numbers that float32 can hold.
func refParse(b []byte, width, maxRows int) ([]float32, int, error) {
	if !json.Valid(b) {
		return nil, 0, errors.New("invalid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, 0, errors.New("not an object")
	}
	var out []float32
	rows := -1
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, 0, err
		}
		if tok != "inputs" {
			return nil, 0, fmt.Errorf("unknown field %v", tok)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, 0, err
		}
		batch, ok := v.([]any)
		if !ok || len(batch) == 0 || len(batch) > maxRows {
			return nil, 0, errors.New("bad batch")
		}
		out, rows = out[:0], len(batch)
		for _, r := range batch {
			row, ok := r.([]any)
			if !ok || len(row) != width {
				return nil, 0, errors.New("bad row")
			}
			for _, x := range row {
				n, ok := x.(json.Number)
				if !ok {
					return nil, 0, errors.New("not a number")
				}
				f, err := strconv.ParseFloat(string(n), 32)
				if err != nil {
					return nil, 0, err
				}
				out = append(out, float32(f))
			}
		}
	}
	if rows < 0 {
		return nil, 0, errors.New("no inputs")
	}
	return out, rows, nil
}

func FuzzParseInputs(f *testing.F) {
	for _, s := range []string{
		`{"inputs":[[1,2,3]]}`,
		` { "inputs" : [ [ -0.5 , 1e3 , 2E-2 ] , [0,0.000001,123456789] ] } `,
		`{"inputs":[[1,2,3]],"inputs":[[4,5,6]]}`,
		`{"\u0069nputs":[[1,2,3]]}`,
		`{"Inputs":[[1,2,3]]}`,
		`{"inputs":[[1,2,3]],"x":1}`,
		`{"inputs":[[1,2]]}`,
		`{"inputs":[[1,2,3,4]]}`,
		`{"inputs":[]}`,
		`{"inputs":[[1,2,null]]}`,
		`{"inputs":[[1,2,"3"]]}`,
		`{"inputs":[[1,2,1e39]]}`,
		`{"inputs":[[1,2,1e-50]]}`,
		`{"inputs":[[1,2,NaN]]}`,
		`{"inputs":[[1,2,3]]}x`,
		`{"inputs":[[01,2,3]]}`,
		`{"inputs":[[1.,2,3]]}`,
		`{"inputs":[[-,2,3]]}`,
		`{"inputs":[[1,2,3]],}`,
		`{"inputs":[[1,2,3],]}`,
		`{"inputs":[[1,2,3]],[[1,2,3]],[[1,2,3]],[[1,2,3]],[[1,2,3]]}`,
		`{"inputs":[[1,2,3],[1,2,3],[1,2,3],[1,2,3],[1,2,3]]}`,
		`{"inputs":null}`,
		`{"inputs":{"a":1}}`,
		`{"inputs":[[[1],2,3]]}`,
		`{"inputs":[[0.1234567,3.4028235e38,-3.4028236e38]]}`,
		`{"inputs":[[1.17549435e-38,1.4e-45,7e-46]]}`,
		`{"inputs":[[16777217,0.33333333333333331,9.999999e-11]]}`,
		"{\"inputs\":[[1,2,3]]}\n",
		"\xef\xbb\xbf{\"inputs\":[[1,2,3]]}",
		`{}`, `[]`, ``, `{"inputs"}`, `{"inp\"uts":1}`, `{"inputs":[[1,2,3]]`, `{"inputs":[[tru`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const width, maxRows = 3, 4
		got, rows, err := parseInputs(b, width, maxRows, nil)
		want, wantRows, wantErr := refParse(b, width, maxRows)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: parseInputs error %v, encoding/json error %v", b, err, wantErr)
		}
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) || re.status < 400 || re.status > 499 {
				t.Fatalf("%q: error %v is not a 4xx request error", b, err)
			}
			return
		}
		if rows != wantRows || len(got) != rows*width {
			t.Fatalf("%q: %d rows, %d values; encoding/json: %d rows", b, rows, len(got), wantRows)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%q: value %d is %g, encoding/json %g", b, i, got[i], want[i])
			}
		}
	})
}

// TestParseNumbers compares the parser with strconv on many numbers in the
// forms clients print: short decimals (the fast path), full float32 and
// float64 precision, exponents, extremes.
func TestParseNumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var nums []string
	for i := 0; i < 20000; i++ {
		x := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-8))
		switch i % 5 {
		case 0:
			nums = append(nums, strconv.FormatFloat(x, 'f', rng.IntN(11), 64))
		case 1:
			nums = append(nums, strconv.FormatFloat(x, 'g', -1, 32))
		case 2:
			nums = append(nums, strconv.FormatFloat(x, 'g', -1, 64))
		case 3:
			nums = append(nums, strconv.FormatFloat(x, 'e', rng.IntN(9), 64))
		default:
			nums = append(nums, strconv.Itoa(rng.IntN(1<<26)-1<<25))
		}
	}
	// Decimals within a few float64 ulp of float32 ties, where rounding
	// through float64 goes wrong unless it is refused.
	for i := 0; i < 5000; i++ {
		v := float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-8)))
		mid := (float64(v) + float64(math.Nextafter32(v, float32(math.Inf(1))))) / 2
		nums = append(nums, strconv.FormatFloat(mid, 'e', 12+i%6, 64), strconv.FormatFloat(mid, 'f', -1, 64))
	}
	nums = append(nums, "0", "-0", "0.0000000001", "9999999", "99999999", "0.9999999", "1.0000001",
		"3.4028235e38", "-3.4028235e38", "1.4e-45", "1e-46", "0.00000000005", "16777216", "16777217")
	const width = 4
	for len(nums)%width != 0 {
		nums = append(nums, "1")
	}
	var body strings.Builder
	body.WriteString(`{"inputs":[`)
	for i := 0; i < len(nums); i += width {
		if i > 0 {
			body.WriteString(",")
		}
		body.WriteString("[" + strings.Join(nums[i:i+width], ",") + "]")
	}
	body.WriteString("]}")
	got, rows, err := parseInputs([]byte(body.String()), width, len(nums), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rows*width != len(nums) {
		t.Fatalf("%d rows for %d numbers", rows, len(nums))
	}
	for i, s := range nums {
		f, _ := strconv.ParseFloat(s, 32)
		if math.Float32bits(got[i]) != math.Float32bits(float32(f)) {
			t.Errorf("%s: parsed %g, strconv %g", s, got[i], float32(f))
		}
	}
}

// TestParseErrors checks the status and the field each malformed body is
// refused with.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		body   string
		status int
		msg    string
	}{
		{``, 400, "body: empty"},
		{`   `, 400, "body: empty"},
		{`[[1,2,3]]`, 400, "want a JSON object"},
		{`{}`, 400, "inputs: missing"},
		{`{"input":[[1,2,3]]}`, 400, `unknown field "input"`},
		{`{"inputs":[]}`, 400, "inputs: empty batch"},
		{`{"inputs":[[]]}`, 400, "inputs[0]: empty row"},
		{`{"inputs":null}`, 400, "inputs: want an array of rows, each an array of 3 numbers; got null"},
		{`{"inputs":[1,2,3]}`, 400, "inputs[0]: want an array of 3 numbers; got a number"},
		{`{"inputs":[[1,2,3],[1,2]]}`, 400, "inputs[1]: 2 values; the model takes 3 per row"},
		{`{"inputs":[[1,2,3,4]]}`, 400, "inputs[0]: more than 3 values"},
		{`{"inputs":[[1,null,3]]}`, 400, "inputs[0][1]: want a number, got null"},
		{`{"inputs":[[1,"2",3]]}`, 400, "inputs[0][1]: want a number, got a string"},
		{`{"inputs":[[1,2,NaN]]}`, 400, "body: invalid JSON at byte 16: unexpected 'N'"},
		{`{"inputs":[[1,2,Infinity]]}`, 400, "body: invalid JSON at byte 16"},
		{`{"inputs":[[1,2,1e39]]}`, 400, "inputs[0][2]: 1e39 is out of range for float32"},
		{`{"inputs":[[1,2,-1e39]]}`, 400, "inputs[0][2]: -1e39 is out of range"},
		{`{"inputs":[[1,2,3]]} {}`, 400, "unexpected data after the JSON object"},
		{`{"inputs":[[1,2,3]]`, 400, "want ',' or '}'"},
		{`{"inputs":[[1,2,nul]]}`, 400, "body: invalid JSON"},
		{`{"inputs":[[1,2,3],[1,2,3],[1,2,3]]}`, 413, "inputs: more than 2 rows"},
	} {
		_, _, err := parseInputs([]byte(tc.body), 3, 2, nil)
		var re *requestError
		if !errors.As(err, &re) {
			t.Errorf("%s: error %v, want a request error", tc.body, err)
			continue
		}
		if re.status != tc.status || !strings.Contains(re.msg, tc.msg) {
			t.Errorf("%s: %d %q, want %d and %q", tc.body, re.status, re.msg, tc.status, tc.msg)
		}
	}
}

// rowBody is a request of rows random rows of width d, the values printed
// as a client holding float32 pixels would print them.
func rowBody(rng *rand.Rand, rows, d int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"inputs":[`)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j := 0; j < d; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(float64(float32(rng.IntN(256))/255), 'g', -1, 32))
		}
		b.WriteByte(']')
	}
	b.WriteString("]}")
	return b.Bytes()
}

// BenchmarkParseInputs compares the parser with encoding/json on one row
// of 784 pixels.
func BenchmarkParseInputs(b *testing.B) {
	body := rowBody(rand.New(rand.NewPCG(1, 1)), 1, 784)
	b.Run("parseInputs", func(b *testing.B) {
		var dst []float32
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			var err error
			if dst, _, err = parseInputs(body, 784, 1, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			var req struct{ Inputs [][]float32 }
			if err := json.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
