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
// float32 uses a polynomial exp accurate to a few ulp; float64 uses package
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

func biasAct32(act Act, a []float32, rows int, bias []float32) {
	n := len(bias)
	for i := 0; i < rows; i++ {
		r := a[i*n : i*n+n]
		r = r[:len(bias)]
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

// exp32 is exp(x) in float32 for x in [-87, 88] (clamped outside): 2^n
// times a degree-7 Taylor polynomial of exp(r), |r| <= ln2/2, relative
// error about 1 ulp.
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504
		ln2hi = 0.693359375    // ln 2 in few bits, so n*ln2hi is exact
		ln2lo = -2.12194440e-4 // ln 2 - ln2hi
		round = 12582912       // 1.5*2^23: adding it rounds to an integer
		c2    = 1.0 / 2
		c3    = 1.0 / 6
		c4    = 1.0 / 24
		c5    = 1.0 / 120
		c6    = 1.0 / 720
		c7    = 1.0 / 5040
	)
	x = min(max(x, -87), 88)
	n := (x*log2e + round) - round
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(c2+r*(c3+r*(c4+r*(c5+r*(c6+r*c7))))))
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoid32 is 1/(1+exp(-x)).
func sigmoid32(x float32) float32 { return 1 / (1 + exp32(-x)) }

// tanh32 is tanh(x): an odd Taylor polynomial near 0, where 1-2/(e^2x+1)
// would cancel, and that formula elsewhere.
func tanh32(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax < 0.25 {
		z := x * x
		// Coefficients of x^(2k+1) in the series of tanh.
		const (
			t3  = -1.0 / 3
			t5  = 2.0 / 15
			t7  = -17.0 / 315
			t9  = 62.0 / 2835
			t11 = -1382.0 / 155925
		)
		return x + x*z*(t3+z*(t5+z*(t7+z*(t9+z*t11))))
	}
	t := 1 - 2/(exp32(2*ax)+1)
	if x < 0 {
		return -t
	}
	return t
}
