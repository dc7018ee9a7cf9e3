// Package saebeam runs sae's batch jobs as Apache Beam pipelines, on any
// Beam runner: Prism on one machine (and in the tests), Flink, Spark or
// Google Cloud Dataflow at scale. It is its own Go module so that the sae
// command and library do not carry Beam's dependencies; it uses sae's
// public API only (the data readers included).
//
//   - Batch: `score` or `encode` the rows of file patterns with a model. The
//     files are split into shards of rows (Plan), each read by one worker
//     with sae's streaming readers, a chunk of rows at a time; the model is
//     loaded once per worker process; each shard is written as one part file
//     with a deterministic name (part-00003-of-00012.npy) that appears whole
//     or not at all, so a retried or duplicated bundle rewrites the same part
//     and the parts hold every row exactly once. manifest.json, written last,
//     lists the parts in row order.
//   - Sweep: the trials of a sweep.Spec (the grid of sae sweep), one per
//     element, each trained by sweep.RunTrial into the sweep directory; the
//     results table and report at the end, as sae sweep writes them.
//
// Paths are local (a directory every worker sees, for a cluster) or on a
// Beam filesystem (gs://, s3://, memfs:// in tests), for the batch jobs.
package saebeam
