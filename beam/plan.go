package saebeam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local paths

	"github.com/sae-go/sae"
)

// Shard is a piece of the input that one worker reads and writes as one
// part file.
type Shard struct {
	Part   int    // the part's number: the parts in order hold the rows in order
	Parts  int    // the parts of the job
	File   string // the input file: a local path or a Beam filesystem's
	Lo, Hi int    // rows [Lo, Hi) of File; Hi < 0: all of them (a file read whole)
}

// Name is the shard's part file: part-00003-of-00012.npy.
func (s Shard) Name() string {
	return fmt.Sprintf("part-%05d-of-%05d.npy", s.Part, s.Parts)
}

// DefaultShardRows is the rows of a shard when the job does not say.
const DefaultShardRows = 1 << 16

// Plan expands the file patterns (in order; each pattern's files sorted by
// name; a file named twice is read once) into shards of shardRows rows
// (a file's last shard takes up to sae.SmallBatch more rather than leave
// a shard of a few rows, which sae would multiply row by row, in another
// order of sums than sae score on the whole file). A local file that sae reads in place (.npy, raw IDX, Arrow files,
// datasets caches, shard directories) is split into row ranges; the others
// are one shard each: Parquet and gzipped IDX, which are decoded whole
// before a row can be read, CSV, .npz and .safetensors, which are read
// whole, and every file on a remote filesystem, which a worker copies to
// its disk first. A file that cannot be opened is an error naming it.
func Plan(ctx context.Context, patterns []string, key string, shardRows int) ([]Shard, error) {
	if shardRows <= 0 {
		shardRows = DefaultShardRows
	}
	files, err := expand(ctx, patterns)
	if err != nil {
		return nil, err
	}
	var shards []Shard
	for _, f := range files {
		n, split, err := rowsOf(f, key)
		if err != nil {
			return nil, err
		}
		if !split {
			shards = append(shards, Shard{File: f, Hi: -1})
			continue
		}
		for lo, hi := 0, 0; lo < n; lo = hi {
			// No shard of a few rows after a longer one (sae.SmallBatch).
			if hi = lo + shardRows; n-hi <= sae.SmallBatch {
				hi = n
			}
			shards = append(shards, Shard{File: f, Lo: lo, Hi: hi})
		}
	}
	for i := range shards {
		shards[i].Part, shards[i].Parts = i, len(shards)
	}
	return shards, nil
}

// expand lists the files of the patterns, in order.
func expand(ctx context.Context, patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, errors.New("no input files")
	}
	var files []string
	for _, p := range patterns {
		fs, err := filesystem.New(ctx, p)
		if err != nil {
			return nil, err
		}
		matched, err := fs.List(ctx, p)
		fs.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		if len(matched) == 0 {
			return nil, fmt.Errorf("%s: no such file", p)
		}
		slices.Sort(matched)
		for _, f := range matched {
			if !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
	}
	return files, nil
}

// rowsOf returns the rows of a file sae reads in place (split), or split
// false for a file read whole.
func rowsOf(path, key string) (rows int, split bool, err error) {
	name := strings.ToLower(path)
	if !isLocal(path) || strings.HasSuffix(name, ".parquet") || strings.HasSuffix(name, ".pq") || strings.HasSuffix(name, ".gz") {
		return 0, false, nil
	}
	r, err := sae.OpenRows(path, sae.DataOptions{Key: key})
	if errors.Is(err, sae.ErrNotStreamable) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	defer r.Close()
	rows, _ = r.Dims()
	return rows, true, nil
}

// isLocal reports whether path is on the local filesystem (no scheme).
func isLocal(path string) bool { return !strings.Contains(path, "://") }
