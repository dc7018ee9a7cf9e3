// Package report draws the pictures of a trained model and gathers them into
// one self-contained HTML page.
//
// It takes plain data (slices of numbers and labels) and writes files; it
// knows nothing of the model. Every file is written atomically through
// safefile: a failure leaves the previous file, never a partial one.
//
//   - grid.go: FeatureGrid and ImageGrid, PNG tile grids of weights or data rows
//   - charts.go: LossCurve, Histogram, ROCCurve and Scatter2D (PNG or SVG)
//   - pareto.go: Pareto, a sweep's trials on two figures with their front
//   - plot.go: the common look of the charts and their rendering
//   - html.go: HTML, the report page with embedded images
//
// Bad input (mismatched lengths, empty data, an unknown file extension) is
// returned as an error that names the operation and the path, never a panic.
// NaN and Inf: the tile grids and ROCCurve reject them with an error naming
// the row (every pixel and point must be drawn); LossCurve, Histogram and
// Scatter2D leave such values out and fail only if nothing is left.
package report
