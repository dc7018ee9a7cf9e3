package report

import (
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// go test ./internal/report -run Samples -samples /tmp/report-samples
// writes one of every picture, and a report page, for a person to look at.
var samplesDir = flag.String("samples", "", "write sample pictures and a report to this directory")

// gaborFeatures returns n oriented wavelets of size h x w (n x h*w), the
// kind of feature an autoencoder learns on natural images and digits.
func gaborFeatures(rng *rand.Rand, n, h, w int) []float32 {
	out := make([]float32, n*h*w)
	for i := range n {
		theta := rng.Float64() * math.Pi
		freq := 0.15 + 0.2*rng.Float64()
		cx, cy := float64(w)*(0.3+0.4*rng.Float64()), float64(h)*(0.3+0.4*rng.Float64())
		sigma := float64(w) * (0.1 + 0.12*rng.Float64())
		phase := rng.Float64() * 2 * math.Pi
		positive := i%7 == 0
		for y := range h {
			for x := range w {
				dx, dy := float64(x)-cx, float64(y)-cy
				env := math.Exp(-(dx*dx + dy*dy) / (2 * sigma * sigma))
				u := dx*math.Cos(theta) + dy*math.Sin(theta)
				v := env * math.Cos(2*math.Pi*freq*u+phase)
				if positive {
					v = env // a blob: all non-negative
				}
				out[i*h*w+y*w+x] = float32(0.3 * v)
			}
		}
	}
	return out
}

// strokes returns n images in [0, 1] of one or two thick line strokes.
func strokes(rng *rand.Rand, n, h, w int) []float32 {
	out := make([]float32, n*h*w)
	for i := range n {
		img := out[i*h*w : (i+1)*h*w]
		for range 1 + rng.IntN(2) {
			x0, y0 := rng.Float64()*float64(w), rng.Float64()*float64(h)
			x1, y1 := rng.Float64()*float64(w), rng.Float64()*float64(h)
			for t := 0.0; t <= 1; t += 0.01 {
				px, py := x0+(x1-x0)*t, y0+(y1-y0)*t
				for y := range h {
					for x := range w {
						d := math.Hypot(float64(x)-px, float64(y)-py)
						if v := float32(math.Max(0, 1-d/2.2)); v > img[y*w+x] {
							img[y*w+x] = v
						}
					}
				}
			}
		}
	}
	return out
}

// sampleScores are 3000 anomaly scores, every 20th an anomaly (label 1).
func sampleScores(rng *rand.Rand) ([]float64, []int) {
	var scores []float64
	var labels []int
	for i := range 3000 {
		anom := i%20 == 0
		s := math.Abs(rng.NormFloat64())*0.01 + 0.02
		if anom {
			s += 0.012 * rng.ExpFloat64()
		}
		scores = append(scores, s)
		labels = append(labels, map[bool]int{false: 0, true: 1}[anom])
	}
	return scores, labels
}

// sampleClusters are n points in 10 classes, each a unit normal cloud
// around centre(class).
func sampleClusters(rng *rand.Rand, n int, centre func(c int) (float64, float64)) (xs, ys []float64, cls []int) {
	for i := range n {
		c := i % 10
		x, y := centre(c)
		xs = append(xs, x+rng.NormFloat64())
		ys = append(ys, y+rng.NormFloat64())
		cls = append(cls, c)
	}
	return xs, ys, cls
}

func TestSamples(t *testing.T) {
	if *samplesDir == "" {
		t.Skip("no -samples directory")
	}
	dir := *samplesDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	p := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	must(FeatureGrid(p("features.png"), gaborFeatures(rng, 120, 28, 28), 120, 784, 28, 28, GridOptions{}))
	must(FeatureGrid(p("features8.png"), gaborFeatures(rng, 64, 8, 8), 64, 64, 8, 8, GridOptions{}))

	const m = 12
	orig := strokes(rng, m, 28, 28)
	rec := make([]float32, len(orig))
	for i, v := range orig {
		rec[i] = float32(math.Max(0, math.Min(1, 0.85*float64(v)+0.08*rng.NormFloat64())))
	}
	pairs := append(append([]float32{}, orig...), rec...)
	must(ImageGrid(p("recon.png"), pairs, 2*m, 784, 28, 28, GridOptions{RowLabels: []string{"input", "reconstruction"}, Cols: m}))
	must(ImageGrid(p("recon-bands.png"), pairs, 2*m, 784, 28, 28, GridOptions{RowLabels: []string{"input", "reconstruction"}, Cols: 6, Border: nil}))
	must(ImageGrid(p("samples.png"), strokes(rng, 36, 28, 28), 36, 784, 28, 28, GridOptions{}))

	var train, val []float64
	for e := range 30 {
		train = append(train, 0.02+0.5*math.Exp(-float64(e)/4)+0.002*rng.NormFloat64())
		val = append(val, 0.025+0.5*math.Exp(-float64(e)/4)+0.003*rng.NormFloat64())
	}
	must(LossCurve(p("loss.png"), train, val, "Training loss"))
	must(LossCurve(p("loss.svg"), train, val, "Training loss"))
	steep := []float64{12, 1.3, 0.4, 0.21, 0.15, 0.12, 0.105, 0.1}
	must(LossCurve(p("loss-log.png"), steep, nil, "Training loss"))

	rates := make([]float64, 2000)
	for i := range rates {
		if i%9 == 0 {
			continue // dead latent
		}
		rates[i] = math.Exp(-4.5 + 1.3*rng.NormFloat64())
	}
	must(Histogram(p("firing.png"), rates, HistOptions{Title: "Latent firing rates", XLabel: "fraction of inputs on which the latent fires", YLabel: "latents", LogX: true}))

	scores, labels := sampleScores(rng)
	thr := 0.045
	must(Histogram(p("scores.png"), scores, HistOptions{Title: "Anomaly scores", XLabel: "reconstruction error", Threshold: &thr}))

	fpr, tpr, auc := roc(scores, labels)
	must(ROCCurve(p("roc.png"), fpr, tpr, auc))

	xs, ys, cls := sampleClusters(rng, 1500, func(c int) (float64, float64) {
		a := 2 * math.Pi * float64(c) / 10
		return 4 * math.Cos(a), 4 * math.Sin(a)
	})
	must(Scatter2D(p("scatter.png"), xs, ys, cls, "Codes projected on two principal components"))
	must(Scatter2D(p("scatter-plain.png"), xs, ys, nil, "Codes"))

	// Edge cases: one epoch, one distinct value, a wide non-square tile,
	// a big cloud.
	must(LossCurve(p("loss-one.png"), []float64{0.42}, nil, "One epoch"))
	must(Histogram(p("hist-one.png"), []float64{3, 3, 3}, HistOptions{Title: "One value"}))
	must(FeatureGrid(p("wide.png"), gaborFeatures(rng, 20, 6, 30), 20, 180, 6, 30, GridOptions{}))
	bx, by, bl := sampleClusters(rng, 60000, func(c int) (float64, float64) { return float64(c), float64(c % 3) })
	must(Scatter2D(p("scatter-big.png"), bx, by, bl, "60000 points"))

	must(HTML(p("report.html"), "Sparse autoencoder report",
		[][2]string{{"latents", "512"}, {"sparsity", "topk (k = 32)"}, {"mse", "0.0123"}, {"fvu", "0.081"}, {"l0", "32.0"}, {"dead fraction", "0.11"}},
		[]Section{
			{Title: "Training", Text: "Loss per epoch on the training and validation data.", Image: p("loss.png")},
			{Title: "Features", Text: "The decoder direction of the first latents.\n\nGray is zero.", Image: p("features.png")},
			{Title: "Reconstructions", Text: "Inputs above their reconstructions.", Image: p("recon.png")},
			{Title: "Firing rates", Image: p("firing.png")},
			{Title: "Anomaly scores", Image: p("scores.png")},
			{Title: "ROC", Image: p("roc.png")},
			{Title: "Codes", Image: p("scatter.png")},
			{Title: "Loss (SVG)", Image: p("loss.svg")},
		}))
}

// roc computes ROC points and the AUC of scores against 0/1 labels, higher
// scores meaning more anomalous (ties are not merged; fine for a sample).
func roc(scores []float64, labels []int) (fpr, tpr []float64, auc float64) {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	var pos, neg float64
	for _, l := range labels {
		if l == 1 {
			pos++
		} else {
			neg++
		}
	}
	var tp, fp float64
	fpr, tpr = []float64{0}, []float64{0}
	for _, i := range idx {
		if labels[i] == 1 {
			tp++
		} else {
			fp++
		}
		f, t := fp/neg, tp/pos
		auc += (f - fpr[len(fpr)-1]) * (t + tpr[len(tpr)-1]) / 2
		fpr, tpr = append(fpr, f), append(tpr, t)
	}
	return fpr, tpr, auc
}
