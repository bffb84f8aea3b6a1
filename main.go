// Command zoo-dev runs Python WSGI apps on a developer's machine the way Helicon Zoo
// runs them on IIS: from a web.config or a zoo.toml, with the deploy script, FastCGI
// workers, reload on save and a terminal dashboard.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/zoo-dev/zoo-dev/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `zoo-dev runs Python WSGI apps locally the way Helicon Zoo does.

Usage:
  zoo-dev [flags] [DIR]      run the site in DIR (default .)
  zoo-dev check [--json] [DIR]
                             load and validate, print the resolved settings
  zoo-dev init [--web-config] [DIR]
                             write a zoo.toml (or web.config) for the app found in DIR
  zoo-dev init --sample [DIR]
                             write the demo project
  zoo-dev version

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "check":
			return runCheck(args[1:], stdout, stderr)
		case "init":
			return runInit(args[1:], stdout, stderr)
		case "version", "--version":
			fmt.Fprintln(stdout, "zoo-dev", version)
			return 0
		}
	}
	fs := flag.NewFlagSet("zoo-dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o runOptions
	fs.StringVar(&o.listen, "listen", "", "HTTP address (default from the config, else "+config.DefaultListen+"); port 0 picks a free one")
	fs.BoolVar(&o.noTUI, "no-tui", false, "headless: print every event as one line on stdout")
	fs.StringVar(&o.configFile, "config", "", "a zoo.toml or web.config to use instead of looking in DIR")
	fs.IntVar(&o.workers, "workers", 0, "fixed worker count for every app (overrides the file)")
	o.limits = addLimitFlags(fs)
	python := fs.String("python", "", "the Python interpreter for every app (also $"+config.EnvPython+"); default a virtualenv in the project, else python3")
	fs.BoolVar(&o.noLiveReload, "no-live-reload", false, "do not inject the script that reloads zoo-dev's pages in the browser when new code serves")
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "zoo-dev: one folder at most, got %q; see zoo-dev --help\n", fs.Args())
		return 2
	}
	if o.workers < 0 {
		fmt.Fprintf(stderr, "zoo-dev: --workers %d: must be 1 or more\n", o.workers)
		return 2
	}
	if *python != "" {
		os.Setenv(config.EnvPython, *python) // config reads it; apps and deploys inherit it too
	}
	o.dir = "."
	if fs.NArg() == 1 {
		o.dir = fs.Arg(0)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the first signal stops gracefully; a second one ends zoo-dev at once
	}()
	if err := serve(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "zoo-dev:", err)
		return 1
	}
	return 0
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo-dev check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the resolved settings as JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	dir := "."
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
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
		return 1
	}
	return 0
}

// checkFailed reports a config that does not load: the warnings found before the
// error, then the error as one line on stderr, or as a JSON object on stdout.
func checkFailed(err error, dir string, asJSON bool, stdout, stderr io.Writer) int {
	var ce *config.Error
	if !errors.As(err, &ce) {
		ce = &config.Error{File: dir, Msg: err.Error()}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(ce)
		return 1
	}
	for _, w := range ce.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	fmt.Fprintln(stderr, err)
	return 1
}

func runInit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zoo-dev init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sample := fs.Bool("sample", false, "write the demo project (wsgi.py, deploy.py, web.config, zoo.toml) instead")
	webConfig := fs.Bool("web-config", false, "write the config as a Helicon Zoo web.config instead of zoo.toml")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	dir := "."
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	if *sample || isEmptyOrMissing(dir) {
		if err := config.Init(dir, starter()); err != nil {
			fmt.Fprintln(stderr, "zoo-dev init:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote a starter project in %s; run it with: zoo-dev %s\n", dir, dir)
		return 0
	}
	if !config.NoConfigIn(dir) {
		fmt.Fprintf(stderr, "zoo-dev init: %s already exists; init never overwrites files: edit it, or see what it says with zoo-dev check %s\n",
			filepath.Join(dir, existingConfig(dir)), dir)
		return 1
	}
	file, found, err := config.InitFound(dir, *webConfig)
	if err != nil {
		fmt.Fprintln(stderr, "zoo-dev init:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s for the %s; run it with: zoo-dev %s\n", file, found.What(), dir)
	return 0
}

// existingConfig names the config file dir already has.
func existingConfig(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, config.TOMLName)); err == nil {
		return config.TOMLName
	}
	return config.WebConfigName
}

// isEmptyOrMissing reports whether dir has nothing a starter could overwrite.
func isEmptyOrMissing(dir string) bool {
	ents, err := os.ReadDir(dir)
	return (err != nil && errors.Is(err, os.ErrNotExist)) || (err == nil && len(ents) == 0)
}

// parse parses a sub-command's flags; when it should not go on it returns the exit
// status: 0 after -h, 2 for a bad flag (the flag package has said why).
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}
