package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zoo-dev/zoo-dev/config"
)

// checkFailed reports a config that does not load: the warnings found before the
// error, then the error as one line on stderr; or both as a JSON object on stdout.
func checkFailed(err error, dir string, asJSON bool, stdout, stderr io.Writer) int {
	var ce *config.Error
	if !errors.As(err, &ce) {
		ce = &config.Error{File: dir, Msg: err.Error()}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(ce)
		return exitFail
	}
	printErr(stderr, "zoo-dev check", err)
	return exitFail
}

// runInit writes a config for the app found in dir, or the demo project when
// asked or when dir is empty; it never overwrites a file.
func runInit(dir string, sample, webConfig bool, stdout, stderr io.Writer) int {
	if sample || isEmptyOrMissing(dir) {
		if err := config.Init(dir, starter()); err != nil {
			fmt.Fprintln(stderr, "zoo-dev init:", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "wrote a starter project in %s; run it with: zoo-dev %s\n", dir, dir)
		return exitOK
	}
	if !config.NoConfigIn(dir) {
		fmt.Fprintf(stderr, "zoo-dev init: %s already exists; init never overwrites files: edit it, or see what it says with zoo-dev check %s\n",
			filepath.Join(dir, existingConfig(dir)), dir)
		return exitFail
	}
	file, found, err := config.InitFound(dir, webConfig)
	if err != nil {
		fmt.Fprintln(stderr, "zoo-dev init:", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s for the %s; run it with: zoo-dev %s\n", file, found.What(), dir)
	return exitOK
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
