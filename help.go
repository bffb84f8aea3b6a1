package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// usageLine is "zoo-dev check [flags] [DIR]".
func (c *command) usageLine(fs *flag.FlagSet) string {
	parts := []string{c.title()}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		parts = append(parts, "[flags]")
	}
	if c.args != "" {
		parts = append(parts, c.args)
	}
	return strings.Join(parts, " ")
}

// writeHelp is `zoo-dev help` and `zoo-dev --help`: every command, then the run's flags.
func writeHelp(w io.Writer) {
	var b strings.Builder
	b.WriteString("zoo-dev runs Python WSGI apps locally the way Helicon Zoo runs them on IIS.\n\nUsage:\n")
	for _, c := range commands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.setup(fs)
		line := c.usageLine(fs)
		if len(line) > 30 {
			fmt.Fprintf(&b, "  %s\n  %-30s %s\n", line, "", c.summary)
		} else {
			fmt.Fprintf(&b, "  %-30s %s\n", line, c.summary)
		}
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	runCommand().setup(fs)
	b.WriteString("\nFlags of a run (before or after DIR):\n")
	writeFlags(&b, fs)
	b.WriteString("\nzoo-dev help COMMAND shows a command's flags.\n")
	io.WriteString(w, b.String())
}

// writeCommandHelp is one command's help: usage, what it does, its flags.
func writeCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	if c.name == "" {
		writeHelp(w)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s\n\n%s.\n", c.usageLine(fs), upperFirst(c.summary))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		b.WriteString("\nFlags:\n")
		writeFlags(&b, fs)
	}
	io.WriteString(w, b.String())
}

// writeFlags lists flags as the README spells them: --name ARG, then the usage,
// in one column as wide as the longest name.
func writeFlags(b *strings.Builder, fs *flag.FlagSet) {
	type row struct{ name, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool && arg != "" {
			name += " " + strings.ToUpper(arg)
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		rows = append(rows, row{name, usage})
		width = max(width, len(name))
	})
	for _, r := range rows {
		fmt.Fprintf(b, "  %-*s %s\n", width, r.name, r.usage)
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
