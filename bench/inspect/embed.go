// Command embed turns text files into an embedding table for trying
// `sae inspect` on text: the files are cut into sentences (HTML tags
// dropped), and each sentence's vector counts its character trigrams
// (lower-cased, words padded with spaces) hashed into -dim buckets, scaled
// to unit length, a bag-of-trigrams embedding that needs no model. It
// writes a Parquet file with the columns text and emb (a list of -dim
// floats), in row groups of 4096 rows.
//
//	go run ./bench/inspect -out sentences.parquet FILE...
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"log"
	"math"
	"os"
	"strings"

	"github.com/sae-go/sae/internal/tabletest"
)

type fatal struct{}

func (fatal) Fatal(args ...any) { log.Fatal(args...) }

func main() {
	out := flag.String("out", "", "Parquet file to write")
	dim := flag.Int("dim", 256, "embedding width")
	minLen := flag.Int("min", 30, "shortest line kept, in characters")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		log.Fatal("usage: embed -out F.parquet FILE...")
	}
	var texts []string
	seen := map[string]bool{}
	for _, path := range flag.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			log.Fatal(err)
		}
		for _, sent := range sentences(string(b)) {
			if len(sent) >= *minLen && len(sent) <= 300 && !seen[sent] {
				seen[sent] = true
				texts = append(texts, sent)
			}
		}
	}
	m := &tabletest.Matrix{Rows: len(texts), Cols: *dim, Data: make([]float32, len(texts)**dim)}
	for i, t := range texts {
		embed(m.Row(i), t)
	}
	if err := os.WriteFile(*out, tabletest.ParquetList(fatal{}, m, texts, 4096), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d lines as %d-dim vectors to %s\n", len(texts), *dim, *out)
}

// embed fills v with the unit-length hashed trigram counts of text.
func embed(v []float32, text string) {
	s := " " + strings.ToLower(text) + " "
	for i := 0; i+3 <= len(s); i++ {
		h := fnv.New32a()
		h.Write([]byte(s[i : i+3]))
		v[int(h.Sum32())%len(v)]++
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / math.Sqrt(n))
	}
}

// sentences drops HTML tags and cuts text at sentence ends and blank
// lines, with white space made single spaces.
func sentences(text string) []string {
	var b strings.Builder
	inTag := false
	for _, r := range text {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	text = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&quot;", `"`, "&nbsp;", " ").Replace(b.String())
	var out []string
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		start := 0
		for i := 0; i < len(para); i++ {
			if (para[i] == '.' || para[i] == '?' || para[i] == '!') && (i+1 == len(para) || para[i+1] == ' ') {
				out = append(out, strings.TrimSpace(para[start:i+1]))
				start = i + 1
			}
		}
		if rest := strings.TrimSpace(para[start:]); rest != "" {
			out = append(out, rest)
		}
	}
	return out
}
