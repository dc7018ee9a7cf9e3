package sae

import (
	"reflect"

	"github.com/sae-go/sae/internal/kernels"
	"github.com/sae-go/sae/internal/nn"
)

// The sparsity kinds are internal/nn's table (one file per kind); their
// defaults, checks and coefficients act on nn.Params, whose fields are the
// Config fields of the same names, copied here in both directions.

// kind is the kind c.Sparsity names (nil for an unknown name).
func (c Config) kind() nn.Kind { return nn.Lookup(string(c.Sparsity)) }

// params are c's fields that nn.Params mirrors.
func (c Config) params() nn.Params {
	var p nn.Params
	copyByName(reflect.ValueOf(&p).Elem(), reflect.ValueOf(c))
	return p
}

// setParams copies p's fields into c.
func (c *Config) setParams(p nn.Params) {
	copyByName(reflect.ValueOf(c).Elem(), reflect.ValueOf(p))
}

// copyByName sets every field of dst that src has (by name) from src's,
// converting named string types; for dst a Config, only nn.Params's fields
// are in src. Both are structs.
func copyByName(dst, src reflect.Value) {
	for i := 0; i < dst.NumField(); i++ {
		f := src.FieldByName(dst.Type().Field(i).Name)
		if !f.IsValid() {
			continue
		}
		if f.Kind() == reflect.Slice && !f.IsNil() {
			f = reflect.ValueOf(append([]int(nil), f.Interface().([]int)...))
		}
		dst.Field(i).Set(f.Convert(dst.Field(i).Type()))
	}
}

// netSpec is the network shape for input width d (defaults resolved).
func (c Config) netSpec(d int) nn.Spec {
	k := c.kind()
	sizes := []int{d, c.Hidden}
	if len(c.Layers) > 0 {
		sizes = append([]int{d}, c.Layers...)
	}
	s := nn.Spec{Sizes: sizes, Act: c.Activation.act(), Loss: nn.MSE, Tied: c.Tied, VAE: c.Variational, Kind: k,
		UnitDecoder: c.DecoderNorm == DecoderUnit, Out: c.Out, Skip: c.Skip}
	if c.Loss == BCE {
		s.Loss = nn.BCE
	}
	if k.Traits().K {
		s.K = c.K
	}
	return s
}

// act is a's kernel activation.
func (a Activation) act() kernels.Act {
	switch a {
	case ReLU:
		return kernels.ReLU
	case Sigmoid:
		return kernels.Sigmoid
	case Tanh:
		return kernels.Tanh
	}
	panic("sae: unknown activation " + string(a))
}

// activation is the Activation of a kernel activation.
func activation(a kernels.Act) Activation {
	switch a {
	case kernels.ReLU:
		return ReLU
	case kernels.Sigmoid:
		return Sigmoid
	}
	return Tanh
}
