package kernels

import "testing"

// BenchmarkPack measures packing a 192x512 block of A (rows contiguous
// along k, the transposing case) and a 512x1024 block of B (contiguous
// runs), from matrices bigger than the caches' share of one core.
func BenchmarkPack(b *testing.B) {
	const m, k, n = 4096, 1024, 1024
	a := make([]float32, m*k)
	bm := make([]float32, k*n)
	dstA := make([]float32, 192*512)
	dstB := make([]float32, 512*1024)
	b.Run("A-transpose-192x512", func(b *testing.B) {
		b.SetBytes(192 * 512 * 4)
		i := 0
		for b.Loop() {
			packPanels(dstA, a, k, false, i%(m-192), 192, 0, 512, 12)
			i += 192
		}
	})
	b.Run("B-runs-512x1024", func(b *testing.B) {
		b.SetBytes(512 * 1024 * 4)
		for b.Loop() {
			packPanels(dstB, bm, n, true, 0, 1024, 0, 512, 32)
		}
	})
	b.Run("B-transpose-512x1024", func(b *testing.B) {
		b.SetBytes(512 * 1024 * 4)
		for b.Loop() {
			packPanels(dstB, bm, k, false, 0, 1024, 0, 512, 32)
		}
	})
}
