package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names Load looks for in a folder, in order of preference.
const (
	TOMLName      = "zoo.toml"
	WebConfigName = "web.config"
)

// draft is a decoded file before expansion and validation: the values as
// written and where they were written. Both loaders produce one.
type draft struct {
	file     string // absolute path of the config file
	format   string // "web.config" or "zoo.toml"
	listen   string
	listenAt pos
	apps     []*draftApp
	engines  map[string]*Engine
	warnings []string
	static   []draftStatic // web.config scopes that only remove handlers
	orphan   *wcHandler    // web.config: a handler for an <httpPlatform> the file lacks
	limits   *Limits       // nil when the file sets none

	noLiveReload bool // zoo.toml's live_reload = false
}

// draftApp is one application as written in the file.
type draftApp struct {
	name            string
	at              pos    // the element or table that declares the app
	envAt           pos    // the <application> element when it differs from at
	path            string // URL prefix as written; "" means "/"
	pathAt          pos
	root            string // as written, relative to the file's folder; "" means the folder
	rootAt          pos
	engine          string
	engineAt        pos
	minWorkers      int // 0 means the default
	maxWorkers      int
	workersAt       pos
	threads         int
	threadsAt       pos
	requestTimeout  time.Duration
	startTimeout    time.Duration
	env             []draftVar
	interpreterHint string      // wfastcgi: the python.exe of the scriptProcessor
	handlers        []string    // web.config: the names of the handlers that serve the app
	platform        *wcPlatform // web.config: the <httpPlatform> or <aspNetCore> that serves it
	venvHint        string      // the project's copy of a virtualenv the file names for Windows
	proxyNote       string      // the warning about Azure's virtualenv proxy, completed with the interpreter
	proxyAt         pos
	minSet, maxSet  bool
	threadsSet      bool
}

// draftVar is one environment variable as written.
type draftVar struct {
	name, value string
	at          pos
}

// Load reads the site at path: a folder holding zoo.toml or web.config (zoo.toml
// wins when both exist, with a warning), or an explicit file (*.toml is TOML,
// anything else is read as a web.config). It decodes, expands %VARS%, resolves
// interpreters and validates; a mistake in the file is returned as *Error.
func Load(path string) (*Site, error) {
	return load(path, newPythonFinder())
}

// load is Load with the interpreter look-up passed in (tests use a fake one).
func load(path string, pf *pythonFinder) (*Site, error) {
	file, warn, err := findFile(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &Error{File: file, Msg: "cannot read: " + errText(err), Err: err}
	}
	s, err := loadBytes(file, data, pf)
	if err != nil {
		return nil, err
	}
	if warn != "" && sameSite(s, filepath.Join(filepath.Dir(file), WebConfigName), pf) {
		warn = "" // the two files say the same thing, as a project from zoo-dev init does
	}
	if warn != "" {
		s.Warnings = append([]string{warn}, s.Warnings...)
	}
	return s, nil
}

// sameSite reports whether the web.config at other resolves to the same apps as s.
func sameSite(s *Site, other string, pf *pythonFinder) bool {
	data, err := os.ReadFile(other)
	if err != nil {
		return false
	}
	o, err := loadBytes(other, data, pf)
	if err != nil {
		return false
	}
	a, errA := json.Marshal(s.Apps)
	b, errB := json.Marshal(o.Apps)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// loadBytes decodes, expands and validates the content of file.
func loadBytes(file string, data []byte, pf *pythonFinder) (*Site, error) {
	var d *draft
	var err error
	if strings.EqualFold(filepath.Ext(file), ".toml") {
		d, err = decodeTOML(file, data)
	} else {
		d, err = decodeWebConfig(file, data)
	}
	if err != nil {
		return nil, err
	}
	return resolve(d, pf)
}

// findFile turns Load's argument into an absolute config file path.
func findFile(path string) (file, warning string, err error) {
	if path == "" {
		path = "."
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", &Error{File: path, Msg: "bad path: " + errText(err), Err: err}
	}
	st, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", &Error{File: abs, Msg: "no such file or folder; run `zoo-dev init " + shellArg(path) + "` to create a project there", Err: err}
	}
	if err != nil {
		return "", "", &Error{File: abs, Msg: errText(err), Err: err}
	}
	if !st.IsDir() {
		return abs, "", nil
	}
	toml := filepath.Join(abs, TOMLName)
	web := filepath.Join(abs, WebConfigName)
	hasTOML, hasWeb := isFile(toml), isFile(web)
	switch {
	case hasTOML && hasWeb:
		return toml, shortPath(toml) + ": zoo.toml and web.config describe different apps; using zoo.toml (--config web.config picks the other)", nil
	case hasTOML:
		return toml, "", nil
	case hasWeb:
		return web, "", nil
	}
	return "", "", &Error{File: abs, Msg: "no web.config or zoo.toml here; run `zoo-dev init " + shellArg(path) + "` to create one"}
}

// isFile reports whether p exists and is not a folder.
func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// isDir reports whether p exists and is a folder.
func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// shellArg quotes a path for a command the user is told to run.
func shellArg(p string) string {
	if strings.ContainsAny(p, " \t'\"$`\\") {
		return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
	}
	return p
}

// errText is an OS error without the path it repeats (the Error names the file).
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
