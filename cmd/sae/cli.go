package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/data"
	"github.com/sae-go/sae/interop"
)

// command is one subcommand: its flags are defined by setup, its work done
// by the returned function.
type command struct {
	name     string
	summary  string
	usage    string // argument synopsis
	examples []string
	setup    func(fs *flag.FlagSet, env *env) func(ctx context.Context) error
	// groups, when set, lists the flags under headings by concern, in
	// this order; a flag in no group is listed under "Other flags".
	groups []flagGroup
}

// flagGroup is a heading of a command's help and its flags.
type flagGroup struct {
	title string
	flags []string
}

// env is what a command may touch besides its flags.
type env struct {
	stdout, stderr io.Writer
	// interactive is true when stderr, where progress is drawn, is a
	// terminal (and --json is off): progress lines show.
	interactive bool
	json        bool
	// labelsKey is --labels-key: the labels array of a .npz labels file.
	labelsKey string
	// quiet (--quiet) keeps progress off stderr.
	quiet bool
	// name is the command's, and started when it began (for step).
	name    string
	started time.Time
	// table holds the flags of a command reading --data (tableflags.go).
	table *tableFlags
}

// step tells a person at a terminal which long step the command is on,
// one line each, with the time since it began; nothing otherwise.
func (e *env) step(format string, a ...any) {
	if e.interactive && !e.quiet {
		fmt.Fprintf(e.stderr, "sae %s: [%s] %s\n", e.name, time.Since(e.started).Round(time.Second), fmt.Sprintf(format, a...))
	}
}

// quietFlag defines --quiet, which keeps progress off stderr.
func (e *env) quietFlag(fs *flag.FlagSet) {
	fs.BoolVar(&e.quiet, "quiet", false, "no progress lines on stderr (drawn when it is a terminal)")
}

// usageError marks errors that exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// loadLabels reads a labels file, a .npz's array --labels-key.
func (e *env) loadLabels(path string) ([]int, error) { return data.LoadLabelsKey(path, e.labelsKey) }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

var commands []*command

func register(c *command) { commands = append(commands, c) }

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run is the whole program: it returns the exit status (0 ok, 1 error,
// 2 usage error, 130 interrupted) and never lets a panic escape.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "sae: internal error: %v\n", r)
			if os.Getenv("SAE_DEBUG") != "" {
				fmt.Fprintf(stderr, "%s", debug.Stack())
			} else {
				fmt.Fprintln(stderr, "sae: this is a bug; rerun with SAE_DEBUG=1 for details and report it")
			}
			code = 1
		}
	}()
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				fs, _ := newFlagSet(c, &env{stdout: stdout, stderr: stderr})
				fs.SetOutput(stdout)
				fs.Usage()
				return 0
			}
		}
		printHelp(stdout)
		return 0
	case "completion":
		return runCompletion(args[1:], stdout, stderr)
	case "version", "--version":
		info, _ := debug.ReadBuildInfo()
		fmt.Fprintln(stdout, versionLine(info))
		return 0
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "sae: error: unknown command %q\n\n", name)
		printHelp(stderr)
		return 2
	}
	e := &env{stdout: stdout, stderr: stderr, name: name, started: time.Now(), table: &tableFlags{}}
	if r, ok := ctx.Value(stdinKey{}).(io.Reader); ok {
		e.table.stdin = r
	}
	if f, ok := stderr.(*os.File); ok {
		e.interactive = term.IsTerminal(int(f.Fd()))
	}
	fs, do := newFlagSet(c, e)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "sae %s: error: %v\nRun 'sae %s --help' for usage.\n", name, parseError(err), name)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sae %s: error: unexpected argument %q (flags start with --)\nRun 'sae %s --help' for usage.\n", name, fs.Arg(0), name)
		return 2
	}
	if e.json {
		e.interactive = false
	}
	err := do(ctx)
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "sae %s: error: %s\nRun 'sae %s --help' for usage.\n", name, ue.msg, name)
		return 2
	}
	if errors.Is(err, context.Canceled) {
		// 130: as a shell reports a command ended by Ctrl-C (SIGINT).
		hint := strings.TrimSuffix(strings.TrimSuffix(err.Error(), context.Canceled.Error()), ": ")
		if hint != "" {
			hint = " (" + hint + ")"
		}
		fmt.Fprintf(stderr, "sae %s: interrupted%s\n", name, flagNames(hint))
		return 130
	}
	fmt.Fprintf(stderr, "sae: error: %s\n", oneLine(flagNames(err.Error())))
	return 1
}

// The flag package's messages, which spell flags with one dash.
var (
	flagValueErr = regexp.MustCompile(`^invalid (boolean )?value "(.*)" for (?:flag )?-([^:]+): (?:parse error$)?`)
	flagOtherErr = regexp.MustCompile(`^(flag provided but not defined|flag needs an argument): -(.*)$`)
)

// parseError says what the flag package found wrong as the rest of the
// command line's errors do: --flag as the help spells it, then its value.
func parseError(err error) string {
	msg := err.Error()
	if m := flagValueErr.FindStringSubmatch(msg); m != nil {
		rest := msg[len(m[0]):]
		switch {
		case rest != "":
		case m[1] != "":
			rest = "want true or false"
		default:
			rest = "not a valid value"
		}
		return fmt.Sprintf("--%s %q: %s", m[3], m[2], rest)
	}
	if m := flagOtherErr.FindStringSubmatch(msg); m != nil {
		if m[1] == "flag needs an argument" {
			return fmt.Sprintf("--%s needs a value", m[2])
		}
		return fmt.Sprintf("unknown flag --%s", m[2])
	}
	return msg
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func newFlagSet(c *command, e *env) (*flag.FlagSet, func(context.Context) error) {
	fs := flag.NewFlagSet("sae "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if e.table == nil {
		e.table = &tableFlags{}
	}
	do := c.setup(fs, e)
	if fs.Lookup("data") != nil {
		bindTableFlags(fs, e.table)
	}
	if k := fs.Lookup("key"); k != nil {
		// Tables name columns, not arrays: --column is --key's other name.
		fs.Var(k.Value, "column", "the `name` of a Parquet or Arrow table's list column, or its numeric columns separated by commas (default: the only list column, else every numeric column); the same as --key")
	}
	if fs.Lookup("labels") != nil {
		fs.StringVar(&e.labelsKey, "labels-key", "", "array `name` of the labels in a .npz labels file (default: y, else the file's only array)")
	}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "sae %s: %s\n\nUsage:\n  sae %s %s\n", c.name, c.summary, c.name, c.usage)
		if len(c.groups) == 0 {
			fmt.Fprintf(w, "\nFlags:\n")
			printFlags(w, fs, nil)
		}
		for _, g := range groupFlags(fs, c.groups) {
			fmt.Fprintf(w, "\n%s:\n", g.title)
			printFlags(w, fs, g.flags)
		}
		if len(c.examples) > 0 {
			fmt.Fprintf(w, "\nExamples:\n")
			for _, ex := range c.examples {
				fmt.Fprintf(w, "  %s\n", ex)
			}
		}
	}
	return fs, do
}

// groupFlags is groups with the flags of fs in no group added under
// "Other flags"; none without groups.
func groupFlags(fs *flag.FlagSet, groups []flagGroup) []flagGroup {
	if len(groups) == 0 {
		return nil
	}
	grouped := map[string]bool{}
	for _, g := range groups {
		for _, f := range g.flags {
			grouped[f] = true
		}
	}
	other := flagGroup{title: "Other flags"}
	fs.VisitAll(func(f *flag.Flag) {
		if !grouped[f.Name] {
			other.flags = append(other.flags, f.Name)
		}
	})
	if len(other.flags) > 0 {
		groups = append(groups[:len(groups):len(groups)], other)
	}
	return groups
}

// printFlags lists flags as --name TYPE, sorted, with defaults: those
// named in only (all when nil).
func printFlags(w io.Writer, fs *flag.FlagSet, only []string) {
	var lines [][2]string
	fs.VisitAll(func(f *flag.Flag) {
		if only != nil && !slices.Contains(only, f.Name) {
			return
		}
		typ, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if typ != "" {
			left += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		lines = append(lines, [2]string{left, usage})
	})
	sort.Slice(lines, func(i, j int) bool { return lines[i][0] < lines[j][0] })
	width := 0
	for _, l := range lines {
		width = max(width, len(l[0]))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "sae %s: sparse autoencoders: train, encode, reconstruct, score.\n\nUsage:\n  sae <command> [flags]\n\nCommands:\n", sae.Version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-12s %s\n", "version", "the version, and the commit it was built from")
	fmt.Fprintf(w, "  %-12s %s\n", "completion", "a shell completion script: sae completion bash|zsh|fish")
	fmt.Fprintf(w, "\nRun 'sae help <command>' or 'sae <command> --help' for a command's flags and examples.\nStart with 'sae demo' to see the whole pipeline on built-in data.\n")
}

// versionLine is sae version's output: the version, then the commit the
// binary was built from, its time and whether the tree had changes (when
// the build recorded them: go build in a git checkout does), and Go's
// version.
func versionLine(info *debug.BuildInfo) string {
	line := "sae " + sae.Version
	if info == nil {
		return line
	}
	var rev, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var parts []string
	if rev != "" {
		parts = append(parts, "commit "+rev[:min(12, len(rev))])
		if when != "" {
			parts = append(parts, when)
		}
		if modified {
			parts = append(parts, "with uncommitted changes")
		}
	}
	if info.GoVersion != "" {
		parts = append(parts, info.GoVersion)
	}
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	return line
}

// loadMatrix reads a data file as a model input.
func loadMatrix(path, key string) (sae.Matrix, error) {
	if path == "" {
		return sae.Matrix{}, usagef("--data is required")
	}
	if err := notModelDir(path); err != nil {
		return sae.Matrix{}, err
	}
	m, err := data.Load(path, data.Options{Key: key})
	if err != nil {
		return sae.Matrix{}, err
	}
	return *m, nil
}

// streamAbove is the size (as float32 values) above which --stream auto
// reads training data from disk a batch at a time instead of loading it.
const streamAbove = 64 << 20

// openSource opens path to stream it from disk (.npy and IDX files,
// Parquet, Arrow, shards: mode "on", or "auto" above streamAbove bytes as
// float32), with its columns' names; src nil (and no error): load it into
// memory instead. close releases the file.
func openSource(path string, opt data.Options, mode string) (src sae.Source, names []string, close func(), err error) {
	if path == "" {
		return nil, nil, nil, usagef("--data is required")
	}
	if err := notModelDir(path); err != nil {
		return nil, nil, nil, err
	}
	if mode == "off" {
		return nil, nil, nil, nil
	}
	r, err := data.OpenRows(path, opt)
	switch {
	case err == nil:
		rows, cols := r.Dims()
		if mode == "on" || int64(rows)*int64(cols)*4 > streamAbove {
			return r, r.Names(), func() { r.Close() }, nil
		}
		r.Close()
	case errors.Is(err, data.ErrNotStreamable):
		if mode == "on" {
			return nil, nil, nil, fmt.Errorf("%s: --stream on reads .npy (C order), IDX, Parquet and Arrow files and shard directories only; convert it to .npy or use --stream off", path)
		}
	default:
		return nil, nil, nil, err
	}
	return nil, nil, nil, nil
}

// openFile opens a file that is not --data (a transcoder's target) as
// openSource does, loaded into memory when not streamed.
func openFile(path, key, mode string) (sae.Source, func(), error) {
	src, _, close, err := openSource(path, data.Options{Key: key}, mode)
	if err != nil || src != nil {
		return src, close, err
	}
	m, err := loadMatrix(path, key)
	return m, func() {}, err
}

func loadModel(dir string) (*sae.Model, error) {
	if dir == "" {
		return nil, usagef("--model is required")
	}
	m, err := sae.Load(dir)
	if err != nil {
		if _, serr := os.Stat(filepath.Join(dir, sae.ConfigFile)); errors.Is(serr, os.ErrNotExist) {
			if f, derr := interop.Detect(dir); derr == nil {
				name := map[interop.Format]string{interop.SAELens: "SAELens", interop.Sparsify: "sparsify"}[f]
				return nil, fmt.Errorf("%s: these look like %s files, not an sae model: convert them first with 'sae import --in %s --out DIR'", dir, name, dir)
			}
		}
	}
	return m, err
}

// notModelDir refuses a model directory given as data.
func notModelDir(path string) error {
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return nil
	}
	for _, f := range []string{sae.ConfigFile, sae.WeightsFile} {
		if _, err := os.Stat(filepath.Join(path, f)); err != nil {
			return nil
		}
	}
	return fmt.Errorf("%s is a model directory, not data: give it as --model", path)
}

// warnPoorFit warns that the model in dir reconstructed its validation
// rows (all rows without any) worse than each column's mean at training,
// as sae train warned: its scores, reconstructions and samples mean
// little. A stacked model trained with --labels can be such a model (its
// decoder is left behind by the supervised phase).
func warnPoorFit(e *env, dir string, m *sae.Model) {
	h := m.History
	if h == nil {
		return
	}
	mt, on := h.Val, "validation"
	if mt == nil {
		mt, on = h.All, "training"
	}
	if mt == nil || !(mt.FVU > 1) {
		return
	}
	what := "its scores and reconstructions mean"
	if scoredBeside(m) {
		what = "its reconstructions (not its scores: they come from the autoencoders beside it) mean"
	}
	fmt.Fprintf(e.stderr, "sae: warning: %s reconstructed its %s rows worse than predicting each column's mean at training (fvu %.3f)%s: %s little\n", dir, on, mt.FVU, poorFitWhy(m), what)
}

// scoredBeside reports whether m's anomaly scores come from autoencoders
// trained beside it alone (a dictionary's detector), which its own poor
// reconstruction does not touch.
func scoredBeside(m *sae.Model) bool {
	sc := m.Scorers()
	return len(sc) > 0 && sc[0] != m
}

// poorFitWhy is why a model reconstructs worse than the column means when
// the reason is known: a classifier's supervised phase trains its encoder
// for the classes, away from its decoder, and a stacked classifier that
// kept its network from random initialisation has an untrained decoder.
func poorFitWhy(m *sae.Model) string {
	switch {
	case m.Classes() > 0 && m.History != nil && m.History.SupervisedStart == "scratch":
		return " (the classifier kept is the network trained from random initialisation, whose decoder the labels do not train)"
	case m.Classes() > 0:
		return " (the supervised phase with --labels moved the encoder away from its decoder)"
	}
	return ""
}

// loadModelData reads the model directory and a data file whose rows the
// model takes (with the table flags: env.loadData).
func (e *env) loadModelData(modelDir, dataPath, key string) (*sae.Model, *data.Table, error) {
	m, err := loadModel(modelDir)
	if err != nil {
		return nil, nil, err
	}
	x, err := e.loadData(dataPath, key, m)
	if err != nil {
		return nil, nil, err
	}
	if err := checkWidth(dataPath, *x.Matrix, m); err != nil {
		return nil, nil, err
	}
	return m, x, nil
}

// checkWidth turns a width mismatch into an error naming the file.
func checkWidth(path string, x sae.Matrix, m *sae.Model) error {
	if x.Cols != m.Inputs {
		return fmt.Errorf("%s: rows have %d values, the model expects %d", displayPath(path), x.Cols, m.Inputs)
	}
	return nil
}

// printJSON writes v as one JSON line; non-finite floats become null.
func printJSON(w io.Writer, v map[string]any) error {
	for k, x := range v {
		if f, ok := x.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			v[k] = nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// metricsMap is eval's JSON keys (elbo only for variational models).
func metricsMap(m sae.Metrics) map[string]any {
	if m.ELBO != 0 {
		o := metricsMap(sae.Metrics{N: m.N, MSE: m.MSE, FVU: m.FVU, L0: m.L0, MeanActivation: m.MeanActivation, DeadFraction: m.DeadFraction, Loss: m.Loss, JacobianNorm: m.JacobianNorm})
		o["elbo"] = m.ELBO
		return o
	}
	return map[string]any{
		"n": m.N, "mse": m.MSE, "fvu": m.FVU, "l0": m.L0,
		"mean_activation": m.MeanActivation, "dead_fraction": m.DeadFraction, "loss": m.Loss,
		"jacobian_norm": m.JacobianNorm,
	}
}

// checkOut refuses an output path whose directory does not exist, before
// any work is done.
func checkOut(path string, exts ...string) error {
	if path == "" {
		return usagef("--out is required")
	}
	if len(exts) > 0 {
		ok := false
		for _, e := range exts {
			ok = ok || strings.HasSuffix(strings.ToLower(path), e)
		}
		if !ok {
			return usagef("--out %s: want a file ending in %s", path, strings.Join(exts, " or "))
		}
	}
	return nil
}

func hasSuffixFold(s, suffix string) bool {
	return strings.HasSuffix(strings.ToLower(s), suffix)
}

// parseInts reads a comma-separated list of positive integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a list of positive integers", s)
		}
		out = append(out, v)
	}
	return out, nil
}

// replaceableDir refuses an output directory that exists and holds
// anything but the files the command writes there: replacing it would
// delete them.
func replaceableDir(dir string, files ...string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	if !st.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var other []string
	for _, e := range ents {
		ok := false
		for _, f := range files {
			ok = ok || e.Name() == f
		}
		if !ok {
			other = append(other, e.Name())
		}
	}
	if len(other) > 0 {
		if len(other) > 3 {
			other = append(other[:3], "...")
		}
		return fmt.Errorf("%s exists and holds other files (%s); writing would replace it: give a new directory", dir, strings.Join(other, ", "))
	}
	return nil
}
