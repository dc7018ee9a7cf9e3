//go:build !unix

package kernels

// mapFloats is not available: scratch buffers live on the Go heap.
func mapFloats(n int) ([]float32, bool) { return nil, false }

func unmapFloats([]float32) {}
