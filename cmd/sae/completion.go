package main

// sae completion bash|zsh|fish: a shell completion script generated from
// the commands' table and their flag sets, so that a new command, flag or
// sparsity kind completes without an edit here. Flags complete by name;
// a flag's value by what its help's placeholder says (a `file`, a `dir`)
// or, for a model setting that is an enumeration, by the values
// Config.Validate accepts.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/sae-go/sae"
	"github.com/sae-go/sae/internal/nn"
)

// shells are the shells sae completion writes scripts for.
var shells = []string{"bash", "fish", "zsh"}

// compFlag is a flag as a completion script sees it.
type compFlag struct {
	name, help string
	// takes is what the flag's value is: "" none (a boolean flag),
	// "file", "dir", "choice" (one of choices) or "value" (anything).
	takes   string
	choices []string
}

// compCommand is a command and its flags, by name.
type compCommand struct {
	name, summary string
	flags         []compFlag
	args          []string // the words it takes after it (help, completion)
}

// completionTable is every command of the help, with its flags.
func completionTable() []compCommand {
	var out []compCommand
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
		cc := compCommand{name: c.name, summary: c.summary}
		fs, _ := newFlagSet(c, &env{stdout: io.Discard, stderr: io.Discard})
		fs.VisitAll(func(f *flag.Flag) { cc.flags = append(cc.flags, compFlagOf(f)) })
		out = append(out, cc)
	}
	return append(out,
		compCommand{name: "help", summary: "a command's flags and examples", args: names},
		compCommand{name: "version", summary: "the version, and the commit it was built from"},
		compCommand{name: "completion", summary: "a shell completion script: bash, zsh or fish", args: shells},
	)
}

// compFlagOf is what completes the flag f and its value.
func compFlagOf(f *flag.Flag) compFlag {
	placeholder, usage := flag.UnquoteUsage(f)
	help, _, _ := strings.Cut(usage, " (")
	if len(help) > 70 {
		help = strings.TrimSpace(help[:strings.LastIndex(help[:70], " ")+1]) + "..."
	}
	cf := compFlag{name: f.Name, help: help, takes: "value"}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		cf.takes = ""
		return cf
	}
	if ch := settingChoices(f.Name); len(ch) > 0 {
		cf.takes, cf.choices = "choice", ch
		cf.help, _, _ = strings.Cut(cf.help, ": ") // the values follow
		return cf
	}
	switch strings.ToLower(placeholder) {
	case "file":
		cf.takes = "file"
	case "dir":
		cf.takes = "dir"
	}
	return cf
}

// settingChoices are the values of the model flag name when its Config
// field is an enumeration: the sparsity kinds, or the values that
// Config.Validate accepts (nil for any other flag).
func settingChoices(name string) []string {
	field := ""
	for _, r := range configFlags {
		if r.flag == name {
			field = r.field
		}
	}
	if field == "" {
		return nil
	}
	if field == "Sparsity" {
		var kinds []string
		for _, k := range nn.Kinds() {
			kinds = append(kinds, k.Name())
		}
		return kinds
	}
	c := sae.DefaultConfig()
	v := reflect.ValueOf(&c).Elem().FieldByName(field)
	if v.Kind() != reflect.String || v.Type() == reflect.TypeFor[string]() {
		return nil // not an enumeration type (Noise is a free string)
	}
	const sentinel = "\x00"
	v.SetString(sentinel)
	var ce sae.ConfigError
	if !errors.As(c.Validate(), &ce) {
		return nil
	}
	for _, fe := range ce {
		if _, list, ok := strings.Cut(fe.Msg, fmt.Sprintf("%q is not one of ", sentinel)); ok && fe.Field == field {
			return strings.Split(list, ", ")
		}
	}
	return nil
}

// writeCompletion writes the completion script of shell to w.
func writeCompletion(w io.Writer, shell string) error {
	t := completionTable()
	switch shell {
	case "bash":
		return bashCompletion(w, t)
	case "zsh":
		return zshCompletion(w, t)
	case "fish":
		return fishCompletion(w, t)
	}
	return usagef("completion %q: want %s", shell, strings.Join(shells, ", "))
}

// commandNames are the names of t.
func commandNames(t []compCommand) []string {
	var s []string
	for _, c := range t {
		s = append(s, c.name)
	}
	return s
}

// byTakes groups the "cmd --flag" patterns of t's flags by what their
// values are, in a stable order: file, dir, value; then one group per
// list of choices.
func byTakes(t []compCommand) (groups map[string][]string, choiceLists map[string][]string) {
	groups, choiceLists = map[string][]string{}, map[string][]string{}
	for _, c := range t {
		for _, f := range c.flags {
			pat := c.name + " --" + f.name
			switch f.takes {
			case "file", "dir", "value":
				groups[f.takes] = append(groups[f.takes], pat)
			case "choice":
				key := strings.Join(f.choices, " ")
				choiceLists[key] = append(choiceLists[key], pat)
			}
		}
	}
	return groups, choiceLists
}

// sortedKeys is m's keys in order.
func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// bashCompletion writes the bash script: a function that reads
// COMP_WORDS and COMP_CWORD and sets COMPREPLY.
func bashCompletion(w io.Writer, t []compCommand) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# bash completion for sae %s, written by 'sae completion bash'.\n", sae.Version)
	b.WriteString("# Load it with: source <(sae completion bash)   (or save it in /etc/bash_completion.d/sae)\n\n")
	b.WriteString("_sae() {\n\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" i=$((COMP_CWORD-1))\n")
	b.WriteString("\tCOMPREPLY=()\n")
	fmt.Fprintf(&b, "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n", strings.Join(commandNames(t), " "))
	b.WriteString("\t# --flag=value: the value's word comes after \"=\"\n")
	b.WriteString("\tif [ \"$cur\" = \"=\" ]; then cur=\"\"; prev=\"${COMP_WORDS[COMP_CWORD-1]}\"; i=$((COMP_CWORD-1));\n")
	b.WriteString("\telif [ \"$prev\" = \"=\" ]; then prev=\"${COMP_WORDS[COMP_CWORD-2]}\"; i=$((COMP_CWORD-2)); fi\n")
	b.WriteString("\tlocal cmd=\"${COMP_WORDS[1]}\"\n")
	b.WriteString("\tcase \"$cmd\" in\n")
	for _, c := range t {
		if len(c.args) > 0 {
			fmt.Fprintf(&b, "\t%s)\n\t\t[ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn;;\n", c.name, strings.Join(c.args, " "))
		}
	}
	b.WriteString("\tesac\n")
	groups, choices := byTakes(t)
	b.WriteString("\tif [ \"$i\" -ge 2 ]; then\n\t\tcase \"$cmd $prev\" in\n")
	for _, key := range sortedKeys(choices) {
		fmt.Fprintf(&b, "\t\t%s)\n\t\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\")); return;;\n", bashPatterns(choices[key]), key)
	}
	if p := groups["file"]; len(p) > 0 {
		fmt.Fprintf(&b, "\t\t%s)\n\t\t\tcompopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n", bashPatterns(p))
	}
	if p := groups["dir"]; len(p) > 0 {
		fmt.Fprintf(&b, "\t\t%s)\n\t\t\tcompopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\")); return;;\n", bashPatterns(p))
	}
	if p := groups["value"]; len(p) > 0 {
		fmt.Fprintf(&b, "\t\t%s)\n\t\t\treturn;;\n", bashPatterns(p))
	}
	b.WriteString("\t\tesac\n\tfi\n\tcase \"$cmd\" in\n")
	for _, c := range t {
		if len(c.flags) == 0 {
			continue
		}
		var names []string
		for _, f := range c.flags {
			names = append(names, "--"+f.name)
		}
		fmt.Fprintf(&b, "\t%s)\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"));;\n", c.name, strings.Join(names, " "))
	}
	b.WriteString("\tesac\n}\ncomplete -F _sae sae\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// bashPatterns is a case pattern matching any of pats, each quoted.
func bashPatterns(pats []string) string {
	q := make([]string, len(pats))
	for i, p := range pats {
		q[i] = fmt.Sprintf("%q", p)
	}
	return strings.Join(q, "|")
}

// zshCompletion writes the zsh script: _arguments per command.
func zshCompletion(w io.Writer, t []compCommand) error {
	var b strings.Builder
	fmt.Fprintf(&b, "#compdef sae\n# zsh completion for sae %s, written by 'sae completion zsh'.\n", sae.Version)
	b.WriteString("# Load it with: source <(sae completion zsh)   (or save it as _sae in a directory of $fpath)\n\n")
	b.WriteString("_sae() {\n\tlocal -a commands\n\tcommands=(\n")
	for _, c := range t {
		fmt.Fprintf(&b, "\t\t%s\n", zshQuote(c.name+":"+c.summary))
	}
	b.WriteString("\t)\n\tif (( CURRENT == 2 )); then\n\t\t_describe command commands\n\t\treturn\n\tfi\n")
	b.WriteString("\tlocal cmd=${words[2]}\n\tshift words\n\t(( CURRENT-- ))\n\tcase $cmd in\n")
	for _, c := range t {
		fmt.Fprintf(&b, "\t%s)\n", c.name)
		if len(c.args) > 0 {
			fmt.Fprintf(&b, "\t\t_arguments %s;;\n", zshQuote("1:"+c.name+":("+strings.Join(c.args, " ")+")"))
			continue
		}
		b.WriteString("\t\t_arguments")
		for _, f := range c.flags {
			spec := "--" + f.name + "[" + zshEscape(f.help) + "]"
			switch f.takes {
			case "file":
				spec += ":file:_files"
			case "dir":
				spec += ":directory:_files -/"
			case "choice":
				spec += ":" + f.name + ":(" + strings.Join(f.choices, " ") + ")"
			case "value":
				spec += ":" + f.name + ": "
			}
			fmt.Fprintf(&b, " \\\n\t\t\t%s", zshQuote(spec))
		}
		b.WriteString(";;\n")
	}
	b.WriteString("\tesac\n}\n\nif [ \"$funcstack[1]\" = \"_sae\" ]; then\n\t_sae \"$@\"\nelse\n\tcompdef _sae sae\nfi\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// zshEscape escapes the characters _arguments gives a meaning to in a
// description.
func zshEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, ":", `\:`).Replace(s)
}

// zshQuote quotes s in single quotes.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fishCompletion writes the fish script: one complete line per command
// and flag.
func fishCompletion(w io.Writer, t []compCommand) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# fish completion for sae %s, written by 'sae completion fish'.\n", sae.Version)
	b.WriteString("# Load it with: sae completion fish | source   (or save it as ~/.config/fish/completions/sae.fish)\n\n")
	b.WriteString("complete -c sae -f\n")
	names := strings.Join(commandNames(t), " ")
	for _, c := range t {
		fmt.Fprintf(&b, "complete -c sae -n 'not __fish_seen_subcommand_from %s' -a %s -d %s\n", names, c.name, fishQuote(c.summary))
	}
	for _, c := range t {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name)
		if len(c.args) > 0 {
			fmt.Fprintf(&b, "complete -c sae -n %s -a %s\n", cond, fishQuote(strings.Join(c.args, " ")))
		}
		for _, f := range c.flags {
			line := fmt.Sprintf("complete -c sae -n %s -l %s -d %s", cond, f.name, fishQuote(f.help))
			switch f.takes {
			case "file":
				line += " -r -F"
			case "dir":
				line += " -x -a '(__fish_complete_directories)'"
			case "choice":
				line += " -x -a " + fishQuote(strings.Join(f.choices, " "))
			case "value":
				line += " -x"
			}
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fishQuote quotes s in single quotes for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// runCompletion is sae completion SHELL.
func runCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || !slices.Contains(shells, args[0]) {
		fmt.Fprintf(stderr, "sae completion: error: want one shell: %s\nUsage: sae completion bash|zsh|fish   e.g. source <(sae completion bash)\n", strings.Join(shells, ", "))
		return 2
	}
	if err := writeCompletion(stdout, args[0]); err != nil {
		fmt.Fprintf(stderr, "sae: error: %v\n", err)
		return 1
	}
	return 0
}
