package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/zoo-dev/zoo-dev/config"
)

// command is one entry of the command line. setup declares the command's flags on
// fs and returns the body, which runs with the positional arguments once the
// flags are parsed. To add a flag, declare it in its command's setup next to the
// others (the help lists it from there: put the argument's name in backquotes in
// the usage text, e.g. "a `FILE` to read").
type command struct {
	name    string // "" for the run, which needs no word
	args    string // the positional arguments in the usage line
	summary string
	maxArgs int
	setup   func(fs *flag.FlagSet) func(pos []string, stdout, stderr io.Writer) int
}

// commands are the command line's commands, in the order the help lists them.
var commands []*command

func init() {
	commands = []*command{
		{name: "", args: "[DIR]", maxArgs: 1, setup: setupRun,
			summary: "run the site in DIR (default .): the dashboard on a terminal, plain lines otherwise"},
		{name: "check", args: "[DIR]", maxArgs: 1, setup: setupCheck,
			summary: "load and validate, print the resolved settings (FILE:LINE:COL: on error)"},
		{name: "init", args: "[DIR]", maxArgs: 1, setup: setupInit,
			summary: "write a zoo.toml (or --web-config) for the app found in DIR; --sample writes the demo project"},
		{name: "version", maxArgs: 0, setup: setupVersion, summary: "print the version"},
		{name: "help", args: "[COMMAND]", maxArgs: 1, setup: setupHelp, summary: "this help, or a command's"},
	}
}

func runCommand() *command { return commands[0] }

func lookup(name string) *command {
	if name == "--version" {
		name = "version"
	}
	for _, c := range commands[1:] {
		if c.name == name {
			return c
		}
	}
	return nil
}

// title is how messages name the command: "zoo-dev" or "zoo-dev check".
func (c *command) title() string { return strings.TrimSpace("zoo-dev " + c.name) }

// helpCmd is the command that shows c's help.
func (c *command) helpCmd() string { return strings.TrimSpace("zoo-dev help " + c.name) }

func (c *command) argsWord() string {
	switch c.maxArgs {
	case 0:
		return "no arguments"
	case 1:
		if c.args == "[DIR]" {
			return "one folder at most"
		}
		return "one argument at most"
	}
	return fmt.Sprintf("%d arguments at most", c.maxArgs)
}

func setupRun(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) int {
	var o runOptions
	fs.StringVar(&o.listen, "listen", "", "HTTP address `ADDR`, HOST:PORT or http://HOST:PORT/ (default from the config, else "+config.DefaultListen+"); port 0 picks a free one")
	fs.BoolVar(&o.noTUI, "no-tui", false, "headless: print every event as one line on stdout")
	fs.StringVar(&o.logFormat, "log-format", "text", "`FORMAT` of headless lines: text, or json for one object per line")
	fs.StringVar(&o.configFile, "config", "", "a zoo.toml or web.config `FILE` to use instead of looking in DIR")
	fs.IntVar(&o.workers, "workers", 0, "fixed worker count `N` for every app (overrides the file)")
	python := fs.String("python", "", "the Python interpreter `PATH` for every app (also $"+config.EnvPython+"); default a virtualenv in the project, else python3")
	fs.BoolVar(&o.noLiveReload, "no-live-reload", false, "do not inject the script that reloads zoo-dev's pages in the browser when new code serves")
	o.limits = addLimitFlags(fs)
	return func(pos []string, stdout, stderr io.Writer) int {
		if msg := o.check(); msg != "" {
			fmt.Fprintf(stderr, "zoo-dev: %s; see zoo-dev help\n", msg)
			return exitUsage
		}
		if *python != "" {
			os.Setenv(config.EnvPython, *python) // config reads it; apps and deploys inherit it too
		}
		o.dir = folderArg(pos)
		// SIGHUP (the terminal closed) stops in order too, instead of Go's default exit.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		go func() {
			<-ctx.Done()
			stop() // the first signal stops gracefully; a second one ends zoo-dev at once
		}()
		if err := serve(ctx, o, stdout); err != nil {
			printErr(stderr, "zoo-dev", err)
			return exitFail
		}
		return exitOK
	}
}

func setupCheck(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) int {
	asJSON := fs.Bool("json", false, "print the resolved settings as JSON")
	return func(pos []string, stdout, stderr io.Writer) int {
		dir := folderArg(pos)
		site, _, err := loadSite(dir, "")
		if err != nil {
			return checkFailed(err, dir, *asJSON, stdout, stderr)
		}
		if *asJSON {
			err = site.WriteJSON(stdout)
		} else {
			err = site.WriteText(stdout)
		}
		if err != nil {
			fmt.Fprintln(stderr, "zoo-dev check:", err)
			return exitFail
		}
		return exitOK
	}
}

func setupInit(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) int {
	sample := fs.Bool("sample", false, "write the demo project (wsgi.py, deploy.py, web.config, zoo.toml) instead")
	webConfig := fs.Bool("web-config", false, "write the config as a Helicon Zoo web.config instead of zoo.toml")
	return func(pos []string, stdout, stderr io.Writer) int {
		return runInit(folderArg(pos), *sample, *webConfig, stdout, stderr)
	}
}

func setupVersion(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) int {
	return func(_ []string, stdout, _ io.Writer) int {
		fmt.Fprintln(stdout, "zoo-dev", version)
		return exitOK
	}
}

func setupHelp(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) int {
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) == 0 {
			writeHelp(stdout)
			return exitOK
		}
		c := lookup(pos[0])
		if pos[0] == "run" {
			c = runCommand()
		}
		if c == nil {
			fmt.Fprintf(stderr, "zoo-dev help: unknown command %q; the commands are: %s\n", pos[0], commandNames())
			return exitUsage
		}
		cfs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.setup(cfs)
		writeCommandHelp(stdout, c, cfs)
		return exitOK
	}
}

func commandNames() string {
	var names []string
	for _, c := range commands[1:] {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}
