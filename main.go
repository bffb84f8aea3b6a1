// Command zoo-dev runs Python WSGI apps on a developer's machine the way Helicon Zoo
// runs them on IIS: from a web.config or a zoo.toml, with the deploy script, FastCGI
// workers, reload on save and a terminal dashboard.
//
// The command line is a small table of commands (commands.go): each one declares its
// flags on its own flag set and has a body that gets the parsed values. Flags may
// come before or after the folder (`zoo-dev sample --no-tui`); `--` ends the flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zoo-dev/zoo-dev/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed: a bad config, a busy port
	exitUsage = 2 // the command line itself is wrong
)

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd, args := commandFor(args)
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, help goes to stdout
	body := cmd.setup(fs)
	pos, err := parseAnywhere(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		writeCommandHelp(stdout, cmd, fs)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "%s: %s; see %s\n", cmd.title(), flagError(err), cmd.helpCmd())
		return exitUsage
	case len(pos) > cmd.maxArgs:
		fmt.Fprintf(stderr, "%s: %s, got %s; see %s\n", cmd.title(), cmd.argsWord(), quoteAll(pos), cmd.helpCmd())
		return exitUsage
	}
	return body(pos, stdout, stderr)
}

// commandFor picks the command that args name; a first word that is not a command
// is a run's folder or flag.
func commandFor(args []string) (*command, []string) {
	if len(args) == 0 {
		return runCommand(), args
	}
	if c := lookup(args[0]); c != nil {
		return c, args[1:]
	}
	return runCommand(), args
}

// parseAnywhere parses fs's flags wherever they are among the positional
// arguments, which it returns in order; everything after `--` is positional.
func parseAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// flagError turns the flag package's error into the README's spelling (--name).
func flagError(err error) string {
	s := err.Error()
	s = strings.Replace(s, "provided but not defined: -", "not known: --", 1)
	s = strings.Replace(s, "flag needs an argument: -", "flag needs an argument: --", 1)
	return strings.Replace(s, " for flag -", " for flag --", 1)
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " ")
}

// folderArg is the folder among the positional arguments, "." when there is none.
func folderArg(pos []string) string {
	if len(pos) > 0 {
		return pos[0]
	}
	return "."
}

// printErr prints a failure as one line: a config error as FILE:LINE:COL: message
// (the form editors jump to), anything else after the command's name.
func printErr(w io.Writer, prefix string, err error) {
	var ce *config.Error
	if errors.As(err, &ce) {
		for _, warn := range ce.Warnings { // found before the error, and often its cause
			fmt.Fprintln(w, "warning:", warn)
		}
		fmt.Fprintln(w, err)
		return
	}
	fmt.Fprintf(w, "%s: %v\n", prefix, err)
}
