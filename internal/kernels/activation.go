package kernels

import "math"

// Act names an element-wise activation.
type Act int

const (
	Identity Act = iota // a = x
	ReLU                // a = max(x, 0)
	Sigmoid             // a = 1/(1+exp(-x))
	Tanh                // a = tanh(x)
)

// BiasAct adds the row vector bias to every row of the rows x len(bias)
// matrix a and applies act, in one pass:
//
//	a[i*n+j] = act(a[i*n+j] + bias[j])
//
// float32 uses a polynomial exp accurate to a few ulp (in AVX-512 assembly
// where available, the same formulas in Go otherwise); float64 uses package
// math.
func BiasAct[T Float](act Act, a []T, rows int, bias []T) {
	n := len(bias)
	a = a[:rows*n]
	if a32, ok := any(a).([]float32); ok {
		biasAct32(act, a32, rows, any(bias).([]float32))
		return
	}
	for i := 0; i < rows; i++ {
		r := a[i*n : i*n+n]
		for j, b := range bias {
			x := float64(r[j] + b)
			switch act {
			case ReLU:
				x = max(x, 0)
			case Sigmoid:
				x = 1 / (1 + math.Exp(-x))
			case Tanh:
				x = math.Tanh(x)
			}
			r[j] = T(x)
		}
	}
}

// actGradBlock bounds the floats one actGradAVX512 call handles (its
// count of 16-float vectors must fit the call's int).
const actGradBlock = 1 << 24

func biasAct32(act Act, a []float32, rows int, bias []float32) {
	n := len(bias)
	if n == 0 {
		return
	}
	for i := 0; i < rows; i++ {
		r := a[i*n : i*n+n]
		r = r[:len(bias)]
		if hasAVX512 && act >= Identity && act <= Tanh {
			biasActAVX512(&r[0], &bias[0], n, uint16(1)<<(n%16)-1, int(act))
			continue
		}
		switch act {
		case Identity:
			for j, b := range bias {
				r[j] += b
			}
		case ReLU:
			for j, b := range bias {
				r[j] = max(r[j]+b, 0)
			}
		case Sigmoid:
			for j, b := range bias {
				r[j] = sigmoid32(r[j] + b)
			}
		case Tanh:
			for j, b := range bias {
				r[j] = tanh32(r[j] + b)
			}
		default:
			panic("kernels: unknown activation")
		}
	}
}

// ActGrad turns da = dL/da into dL/dx in place, given the activations
// a = act(x): relu' = [a > 0], sigmoid' = a(1-a), tanh' = 1-a².
//
//	da[i] *= act'(a[i])
func ActGrad[T Float](act Act, a, da []T) {
	da = da[:len(a)]
	if a32, ok := any(a).([]float32); ok && hasAVX512 && act > Identity && act <= Tanh && len(a) > 0 {
		for lo := 0; lo < len(a); lo += actGradBlock {
			hi := min(lo+actGradBlock, len(a))
			n := hi - lo
			actGradAVX512(&a32[lo], &any(da).([]float32)[lo], n, uint16(1)<<(n%16)-1, int(act))
		}
		return
	}
	switch act {
	case Identity:
	case ReLU:
		for i, x := range a {
			if !(x > 0) {
				da[i] = 0
			}
		}
	case Sigmoid:
		for i, x := range a {
			da[i] *= x * (1 - x)
		}
	case Tanh:
		for i, x := range a {
			da[i] *= 1 - x*x
		}
	default:
		panic("kernels: unknown activation")
	}
}

// expParts splits exp(u), u clamped to [-87, 88], as 2^n * (1 + q):
// n = round(u/ln2), r = u - n*ln2 (ln2 in two parts, so that n*ln2hi is
// exact), and q = r + r²/2 + ... + r⁷/5040, the Taylor polynomial of
// exp(r)-1 for |r| <= ln2/2 (relative error about 1 ulp). scale is 2^n.
func expParts(u float32) (scale, q float32) {
	const (
		log2e = 1.44269504
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
		round = 12582912 // 1.5*2^23: adding it rounds to an integer
		c2    = 1.0 / 2
		c3    = 1.0 / 6
		c4    = 1.0 / 24
		c5    = 1.0 / 120
		c6    = 1.0 / 720
		c7    = 1.0 / 5040
	)
	u = min(max(u, -87), 88)
	n := (u*log2e + round) - round
	r := u - n*ln2hi - n*ln2lo
	q = r * (1 + r*(c2+r*(c3+r*(c4+r*(c5+r*(c6+r*c7))))))
	return math.Float32frombits(uint32(int32(n)+127) << 23), q
}

// sigmoid32 is 1/(1+exp(-x)).
func sigmoid32(x float32) float32 {
	s, q := expParts(-x)
	return 1 / (1 + s*(1+q))
}

// tanh32 is tanh(x) = sign(x) * -em1/(2+em1) with em1 = expm1(-2|x|), which
// keeps full relative accuracy near 0.
func tanh32(x float32) float32 {
	ax := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	s, q := expParts(-2 * ax)
	em1 := s*q + (s - 1)
	t := -em1 / (2 + em1)
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
}
