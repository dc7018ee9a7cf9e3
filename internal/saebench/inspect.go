package saebench

// A look at each latent on any data: how often it fires, its largest
// activations and the rows they come from, its nearest decoder neighbours.

import (
	"container/heap"
	"context"
	"sort"

	"github.com/sae-go/sae"
)

// TopRow is one of a latent's top-activating rows.
type TopRow struct {
	Row        int     `json:"row"`          // 0-based row of the data
	ID         string  `json:"id,omitempty"` // the row's id or text, when the data has an id column
	Activation float64 `json:"activation"`
}

// Latent is what Inspect finds about one latent.
type Latent struct {
	Latent        int         `json:"latent"`
	Density       float64     `json:"density"`        // fraction of rows where it is > 0
	MeanActive    float64     `json:"mean_active"`    // mean activation where > 0 (0 if never)
	MaxActivation float64     `json:"max_activation"` // the largest activation (0 if never > 0)
	Top           []TopRow    `json:"top"`            // largest activations first
	Neighbours    []Neighbour `json:"neighbours"`     // nearest decoder directions, closest first
}

// Inspection is every latent of a model on a data set.
type Inspection struct {
	Rows    int      `json:"rows"`
	Latents []Latent `json:"latents"`
}

// rowHeap is a min-heap of a latent's best rows so far.
type rowHeap []TopRow

func (h rowHeap) Len() int { return len(h) }
func (h rowHeap) Less(i, j int) bool {
	if h[i].Activation != h[j].Activation {
		return h[i].Activation < h[j].Activation
	}
	return h[i].Row > h[j].Row // of equal activations, the earlier row ranks higher
}
func (h rowHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *rowHeap) Push(x any)   { *h = append(*h, x.(TopRow)) }
func (h *rowHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Inspect reads src once (a chunk at a time: memory holds top rows per
// latent, not the data) and returns, per latent, its density, mean and
// largest activation, its top rows with positive activation (ties: the
// earlier row first) and its nbrs nearest decoder neighbours.
func Inspect(ctx context.Context, m *sae.Model, src sae.Source, top, nbrs int) (*Inspection, error) {
	h := m.Hidden()
	neighbours, err := DecoderNeighbours(m, nbrs)
	if err != nil {
		return nil, err
	}
	fired := make([]int64, h)
	sum := make([]float64, h)
	best := make([]rowHeap, h)
	n := 0
	err = scan(ctx, src, func(x sae.Matrix, lo int) error {
		codes, err := m.Encode(x)
		if err != nil {
			return err
		}
		for i := range x.Rows {
			for j, v := range codes.Data[i*h : (i+1)*h] {
				if v <= 0 {
					continue
				}
				a := float64(v)
				fired[j]++
				sum[j] += a
				if top == 0 {
					continue
				}
				r := TopRow{Row: lo + i, Activation: a}
				if len(best[j]) < top {
					heap.Push(&best[j], r)
				} else if a > best[j][0].Activation {
					best[j][0] = r
					heap.Fix(&best[j], 0)
				}
			}
		}
		n += x.Rows
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &Inspection{Rows: n, Latents: make([]Latent, h)}
	for j := range h {
		l := Latent{Latent: j, Density: float64(fired[j]) / float64(n), Neighbours: neighbours[j]}
		if fired[j] > 0 {
			l.MeanActive = sum[j] / float64(fired[j])
		}
		rows := []TopRow(best[j])
		sort.Slice(rows, func(a, b int) bool {
			if rows[a].Activation != rows[b].Activation {
				return rows[a].Activation > rows[b].Activation
			}
			return rows[a].Row < rows[b].Row
		})
		l.Top = append([]TopRow{}, rows...)
		if len(rows) > 0 {
			l.MaxActivation = rows[0].Activation
		}
		out.Latents[j] = l
	}
	return out, nil
}

// Spread returns up to k alive latents spread evenly over the ranking by
// density, most frequent first: a sample of the whole range of densities.
func (in *Inspection) Spread(k int) []int {
	var alive []int
	for _, l := range in.Latents {
		if l.Density > 0 {
			alive = append(alive, l.Latent)
		}
	}
	sort.SliceStable(alive, func(a, b int) bool { return in.Latents[alive[a]].Density > in.Latents[alive[b]].Density })
	if len(alive) <= k {
		return alive
	}
	out := make([]int, k)
	for i := range k {
		out[i] = alive[i*(len(alive)-1)/max(k-1, 1)]
	}
	return out
}
