package sae

import (
	"reflect"

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
