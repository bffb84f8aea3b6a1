package config

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"
)

// pythonEngine matches Helicon's Python engine names: python.3.wsgi, python.2.7.wsgi,
// python.3.11.wsgi, and the older pipe transport python.2.7.pipe (the same worker).
var pythonEngine = regexp.MustCompile(`^python\.(\d+)(?:\.(\d+))?\.(?:wsgi|pipe)$`)

// WfastcgiEngine is the engine name of an app in Microsoft's wfastcgi form.
const WfastcgiEngine = "wfastcgi"

// EnvPython names the interpreter every Python app runs with, over any other choice.
const EnvPython = "ZOO_PYTHON"

// pythonFinder resolves the interpreter of an app. Its look-ups are fields so
// tests can stand in for the machine.
type pythonFinder struct {
	lookPath func(string) (string, error)
	// probe runs a candidate and returns sys.executable and "X.Y", or an error
	// when it does not run (a pyenv shim of a missing version, a broken venv).
	probe func(cmd, dir string) (exe, version string, err error)
	cache map[string]probeResult
}

type probeResult struct {
	exe, version string
	err          error
}

func newPythonFinder() *pythonFinder {
	return &pythonFinder{lookPath: exec.LookPath, probe: probeOnce, cache: map[string]probeResult{}}
}

// probed keeps, for the life of the process, the interpreters that ran, so that
// loading an edited config again (config.Reload) does not start each candidate
// again. An entry holds while the file's size and modification time stay the
// same; a failure is never kept, so a venv repaired since is seen.
var probed sync.Map // probeKey -> probeResult

type probeKey struct {
	cmd, dir string
	size     int64
	mod      time.Time
}

// probeOnce is probePython, with the successes of earlier loads kept.
func probeOnce(cmd, dir string) (string, string, error) {
	fi, err := os.Stat(cmd)
	if err != nil {
		return probePython(cmd, dir)
	}
	key := probeKey{cmd: cmd, dir: dir, size: fi.Size(), mod: fi.ModTime()}
	if r, ok := probed.Load(key); ok {
		r := r.(probeResult)
		return r.exe, r.version, nil
	}
	dkey, native := diskKey(cmd, dir)
	if native {
		if exe, version, ok := diskProbes.get(dkey); ok {
			probed.Store(key, probeResult{exe: exe, version: version})
			return exe, version, nil
		}
	}
	exe, version, err := probePython(cmd, dir)
	if err == nil {
		probed.Store(key, probeResult{exe: exe, version: version})
		if native {
			diskProbes.put(dkey, exe, version)
		}
	}
	return exe, version, err
}

// pythonChoice is the outcome of a resolution.
type pythonChoice struct {
	exe, version string
	warning      string // set when the requested version is missing
}

// find picks the interpreter: a virtualenv first (VIRTUAL_ENV, then .venv,
// venv, python_modules under root), then pythonX.Y or pythonX for the
// requested version, then python3. want is "2.7", "3" or "" (any Python 3).
// hint is an explicit interpreter path to try before the version (wfastcgi).
// ZOO_PYTHON (set by --python too) overrides all of it.
func (f *pythonFinder) find(root, virtualEnv, want, hint string) (pythonChoice, error) {
	if p := os.Getenv(EnvPython); p != "" {
		if c, ok := f.try(p, root); ok {
			return c, nil
		}
		return pythonChoice{}, fmt.Errorf("%s=%s does not run as a Python interpreter; point %s (or --python) at python3 or a virtualenv's bin/python", EnvPython, p, EnvPython)
	}
	for _, venv := range venvCandidates(root, virtualEnv) {
		if c, ok := f.try(venv, root); ok {
			return c, nil
		}
	}
	if hint != "" {
		if c, ok := f.try(hint, root); ok {
			return c, nil
		}
	}
	for _, name := range versionedPythons(want) {
		if c, ok := f.try(name, root); ok && matchesVersion(c.version, want) {
			return c, nil
		}
	}
	for _, name := range versionedPythons("") {
		c, ok := f.try(name, root)
		if !ok || !matchesVersion(c.version, "3") {
			continue
		}
		if want != "" && !matchesVersion(c.version, want) {
			c.warning = fmt.Sprintf("python%s is not installed; using %s (Python %s)", want, c.exe, c.version)
		}
		return c, nil
	}
	return pythonChoice{}, fmt.Errorf("no Python 3 interpreter found (tried %s); install Python 3 or create a virtualenv in .venv", f.tried(want, hint))
}

// try looks a candidate up (a name in PATH or a file) and probes it once.
func (f *pythonFinder) try(cand, dir string) (pythonChoice, bool) {
	if exe, ok := launcherPython(cand, dir); ok { // py -3 on Windows
		if exe == "" {
			return pythonChoice{}, false
		}
		cand = exe
	}
	path := cand
	if !strings.ContainsRune(cand, os.PathSeparator) && !strings.ContainsRune(cand, '/') {
		p, err := f.lookPath(cand)
		if err != nil {
			return pythonChoice{}, false
		}
		path = p
	} else if !isFile(cand) {
		return pythonChoice{}, false
	}
	key := path + "\x00" + dir
	r, ok := f.cache[key]
	if !ok {
		r.exe, r.version, r.err = f.probe(path, dir)
		f.cache[key] = r
	}
	if r.err != nil {
		return pythonChoice{}, false
	}
	return pythonChoice{exe: r.exe, version: r.version}, true
}

func (f *pythonFinder) tried(want, hint string) string {
	names := []string{"VIRTUAL_ENV", ".venv", "venv", "python_modules"}
	if hint != "" {
		names = append(names, hint)
	}
	if want != "" {
		names = append(names, versionedPythons(want)...)
	}
	return strings.Join(append(names, versionedPythons("")...), ", ")
}

// venvCandidates lists the interpreters of the virtualenvs an app may have.
func venvCandidates(root, virtualEnv string) []string {
	bin := filepath.Join("bin", "python")
	if runtime.GOOS == "windows" {
		bin = filepath.Join("Scripts", "python.exe")
	}
	var out []string
	if virtualEnv != "" {
		out = append(out, filepath.Join(nativePath(virtualEnv, root), bin))
	}
	for _, d := range []string{".venv", "venv", "python_modules"} {
		out = append(out, filepath.Join(root, d, bin))
	}
	return out
}

// matchesVersion reports whether "3.11" satisfies "3" or "3.11".
func matchesVersion(have, want string) bool {
	return have == want || strings.HasPrefix(have, want+".")
}

// engineVersion returns the Python version an engine name asks for: "2.7"
// for python.2.7.wsgi, "3" for python.3.wsgi.
func engineVersion(engine string) (string, bool) {
	m := pythonEngine.FindStringSubmatch(engine)
	if m == nil {
		return "", false
	}
	if m[2] == "" {
		return m[1], true
	}
	return m[1] + "." + m[2], true
}

// wfastcgiVersion reads the version from an interpreter path such as
// C:\Python36\python.exe ("3.6"); "" when the path does not say.
func wfastcgiVersion(hint string) string {
	m := regexp.MustCompile(`(?i)python(\d)(\d{1,2})\b`).FindStringSubmatch(hint)
	if m == nil {
		return ""
	}
	return m[1] + "." + m[2]
}

// probeTimeout bounds the one run of an interpreter that learns its path and
// version: generous, since a busy machine or a shim (pyenv, py) can take seconds.
const probeTimeout = 30 * time.Second

// probePython runs the interpreter once to learn its real path and version.
func probePython(cmd, dir string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, cmd, "-c", "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])")
	c.Dir = dir
	out, err := c.Output()
	if err != nil {
		return "", "", fmt.Errorf("probe %s: %w", cmd, err)
	}
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(out), "\r", "")), "\n")
	if len(lines) != 2 {
		return "", "", fmt.Errorf("probe %s: unexpected output %q", cmd, out)
	}
	exe, version := lines[0], lines[1]
	if !filepath.IsAbs(exe) {
		exe = cmd
	}
	return exe, version, nil
}
