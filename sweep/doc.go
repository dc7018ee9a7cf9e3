// Package sweep trains one model per point of a grid of settings and
// tabulates them: the engine of `sae sweep` and of the Beam pipeline's
// sweep (module beam/), which therefore write the same table.
//
// A Spec is the data, the settings every trial shares (Base) and each
// trial's own (Trials), all as Config fields by their config.json names
// with JSON values: ParseGrid reads grid.json, ParseSet key=v1,v2
// arguments. Spec.Config builds and checks a trial's Config as sae train
// checks its flags.
//
// RunTrial runs one trial in a sweep directory: the model directory
// DIR/trial-NNN and its result DIR/trial-NNN.json, both written
// atomically, the result last; a trial whose result is there for the same
// Spec is not run again. Run runs every trial on this machine, several at
// a time with their threads shared out (Plan), and WriteTable writes the
// table (results.json, results.csv) and report.html with the Pareto chart
// of two figures (L0 and FVU by default).
//
//	DIR/sweep.json          the Spec (a resumed sweep must match it)
//	DIR/trial-000/          trial 0's model (sae eval --model DIR/trial-000 ...)
//	DIR/trial-000.json      its result
//	DIR/results.json, results.csv, report.html, pareto.png
package sweep
