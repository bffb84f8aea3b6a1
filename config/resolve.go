package config

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Defaults of the settings a file may leave out.
const (
	DefaultEngine         = "python.3.wsgi"
	DefaultMinWorkers     = 1
	DefaultMaxWorkers     = 4
	DefaultThreads        = 4
	DefaultRequestTimeout = 60 * time.Second
	DefaultStartTimeout   = 30 * time.Second
)

// resolver turns a draft into a Site: defaults, expansion, interpreters, checks.
type resolver struct {
	d  *draft
	pf *pythonFinder
	s  *Site
}

// resolve runs the expand and validate steps over a decoded draft.
func resolve(d *draft, pf *pythonFinder) (*Site, error) {
	r := &resolver{d: d, pf: pf, s: &Site{
		File: d.file, Format: d.format, Listen: DefaultListen, Engines: d.engines,
		Warnings: d.warnings, Apps: []*App{}, Limits: DefaultLimits(), NoLiveReload: d.noLiveReload,
	}}
	if d.limits != nil {
		r.s.Limits = *d.limits
	}
	if d.listen != "" {
		if err := checkListen(d.listen); err != nil {
			return nil, r.err(d.listenAt, "", "listen", d.listen, err.Error())
		}
		r.s.Listen = d.listen
	}
	if len(d.apps) == 0 {
		return nil, r.withWarnings(r.noApp())
	}
	byPath := map[string]*draftApp{}
	byName := map[string]*draftApp{}
	for _, da := range d.apps {
		if strings.TrimSpace(da.name) == "" {
			return nil, r.err(da.at, "", "name", "", "an application needs a name; set name = \"myapp\" (zoo.toml) or name=\"myapp#x64\" on the handler (web.config)")
		}
		if prev := byName[da.name]; prev != nil {
			return nil, r.err(da.at, da.name, "", "", fmt.Sprintf("declared twice (first at line %d)", prev.at.line))
		}
		byName[da.name] = da
		a, err := r.app(da)
		if err != nil {
			return nil, r.withWarnings(err)
		}
		if prev := byPath[a.Path]; prev != nil {
			return nil, r.withWarnings(r.err(da.pathAt, da.name, r.pathSetting(), a.Path,
				fmt.Sprintf("path already served by application %q (line %d); give each application its own path", prev.name, prev.at.line)))
		}
		byPath[a.Path] = da
		r.s.Apps = append(r.s.Apps, a)
	}
	r.checkEngineCommands()
	if !r.isTOML() {
		r.staticFolders()
	}
	return r.s, nil
}

// withWarnings gives an error the warnings found before it, so that a finding
// that explains the error (an <application> no handler reads) is not lost.
func (r *resolver) withWarnings(err error) error {
	if e, ok := err.(*Error); ok && len(r.s.Warnings) > 0 {
		e.Warnings = append([]string{}, r.s.Warnings...)
	}
	return err
}

func (r *resolver) err(p pos, app, setting, value, msg string) *Error {
	return errorAt(r.d.file, p, app, setting, value, msg)
}

func (r *resolver) warn(p pos, app, msg string) {
	r.s.Warnings = append(r.s.Warnings, warnAt(r.d.file, p, app, msg))
}

func (r *resolver) isTOML() bool { return r.d.format == TOMLName }

// noApp is the error of a file that declares no application.
func (r *resolver) noApp() error {
	if r.isTOML() {
		return r.err(pos{1, 1}, "", "", "", "no application found; add an [[app]] table with name, engine and [app.env] WSGI_APP")
	}
	if h := r.d.orphan; h != nil {
		return r.err(h.at, h.name, "modules", h.modules, "this handler runs the program of an <httpPlatform> (or <aspNetCore>) element, and the file has none; add one with processPath and arguments")
	}
	for _, st := range r.d.static {
		if st.location == "" {
			return r.err(st.at, "", "", "", "this web.config only removes handlers: IIS serves this folder as static files, it holds no app; run zoo-dev on the folder above it")
		}
	}
	return r.err(pos{1, 1}, "", "", "", "no application found; add a <handlers> entry with scriptProcessor=\"python.3.wsgi\" (Helicon Zoo), "+
		"a WSGI_HANDLER in <appSettings> (wfastcgi) or an <httpPlatform> element")
}

// The setting names as the user wrote them differ between the two formats.
func (r *resolver) pathSetting() string { return pick(r.isTOML(), "path", "location path") }
func (r *resolver) engineSetting() string {
	return pick(r.isTOML(), "engine", "scriptProcessor")
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// app resolves one application.
func (r *resolver) app(da *draftApp) (*App, error) {
	a := &App{Name: da.name, Engine: da.engine, Env: []EnvVar{}}
	if a.Engine == "" && r.isTOML() {
		a.Engine = DefaultEngine
	}
	p, ok := cleanURLPath(da.path)
	if !ok {
		return nil, r.err(da.pathAt, da.name, r.pathSetting(), da.path, "not a URL path; use \"/\" or \"/prefix\"")
	}
	a.Path = p
	a.Root = nativePath(da.root, filepath.Dir(r.d.file))
	if st, err := os.Stat(a.Root); err != nil || !st.IsDir() {
		return nil, r.err(da.rootAt, da.name, "root", da.root, "folder does not exist")
	}
	if da.platform != nil {
		if err := r.platformSizes(da); err != nil {
			return nil, err
		}
	} else if err := r.engine(da, a); err != nil {
		return nil, err
	}
	if err := r.sizes(da, a); err != nil {
		return nil, err
	}
	if err := r.env(da, a); err != nil {
		return nil, err
	}
	if da.platform != nil {
		return a, r.platformEngine(da, a)
	}
	if err := r.python(da, a); err != nil {
		return nil, err
	}
	return a, nil
}

// engine checks that the engine is one zoo-dev knows.
func (r *resolver) engine(da *draftApp, a *App) error {
	if _, ok := r.d.engines[a.Engine]; ok {
		return nil
	}
	if _, ok := engineVersion(a.Engine); ok || a.Engine == WfastcgiEngine {
		return nil
	}
	if !r.isTOML() {
		return r.err(da.engineAt, da.name, r.engineSetting(), a.Engine,
			"zoo-dev runs Python engines only (python.X.Y.wsgi or .pipe, wfastcgi, HttpPlatformHandler); this handler runs another engine")
	}
	known := []string{"python.3.wsgi", "python.X.Y.wsgi", WfastcgiEngine}
	names := make([]string, 0, len(r.d.engines))
	for n := range r.d.engines {
		names = append(names, strconv.Quote(n))
	}
	sort.Strings(names)
	known = append(known, names...)
	return r.err(da.engineAt, da.name, r.engineSetting(), a.Engine, "unknown engine; use one of "+strings.Join(known, ", "))
}

// sizes applies the defaults and checks of workers, threads and timeouts.
func (r *resolver) sizes(da *draftApp, a *App) error {
	minName, maxName := pick(r.isTOML(), "min_workers", "minInstances"), pick(r.isTOML(), "max_workers", "maxInstances")
	a.MinWorkers, a.MaxWorkers = DefaultMinWorkers, DefaultMaxWorkers
	if da.minSet {
		a.MinWorkers = da.minWorkers
		if !da.maxSet && a.MaxWorkers < a.MinWorkers {
			a.MaxWorkers = a.MinWorkers
		}
	}
	if da.maxSet {
		a.MaxWorkers = da.maxWorkers
		if !da.minSet && a.MinWorkers > a.MaxWorkers {
			a.MinWorkers = a.MaxWorkers
		}
	}
	switch {
	case a.MinWorkers < 0:
		return r.err(da.workersAt, da.name, minName, strconv.Itoa(a.MinWorkers), "must be 0 or more")
	case a.MaxWorkers < 1:
		return r.err(da.workersAt, da.name, maxName, strconv.Itoa(a.MaxWorkers), "must be 1 or more")
	case a.MinWorkers > a.MaxWorkers:
		return r.err(da.workersAt, da.name, minName, strconv.Itoa(a.MinWorkers),
			fmt.Sprintf("is greater than %s (%d); lower it or raise %s", maxName, a.MaxWorkers, maxName))
	}
	a.Threads = DefaultThreads
	if da.threadsSet {
		if da.threads < 1 {
			return r.err(da.threadsAt, da.name, "threads", strconv.Itoa(da.threads), "must be 1 or more")
		}
		a.Threads = da.threads
	}
	a.RequestTimeout, a.StartTimeout = DefaultRequestTimeout, DefaultStartTimeout
	if da.requestTimeout != 0 {
		a.RequestTimeout = da.requestTimeout
	}
	if da.startTimeout != 0 {
		a.StartTimeout = da.startTimeout
	}
	return nil
}

// python resolves the interpreter of Python engines; custom engines have none.
func (r *resolver) python(da *draftApp, a *App) error {
	want, isPy := engineVersion(a.Engine)
	if _, custom := r.d.engines[a.Engine]; custom || (!isPy && a.Engine != WfastcgiEngine) {
		return nil
	}
	if a.Engine == WfastcgiEngine {
		want = wfastcgiVersion(da.interpreterHint)
	}
	venv, ok := lookupEnv(a.Env, "VIRTUAL_ENV")
	if !ok && da.venvHint != "" {
		venv = da.venvHint
	} else if !ok {
		venv = os.Getenv("VIRTUAL_ENV")
	}
	hint := ""
	if da.interpreterHint != "" && filepath.IsAbs(da.interpreterHint) {
		hint = da.interpreterHint
	}
	c, err := r.pf.find(a.Root, venv, want, hint)
	if err != nil {
		return r.err(da.engineAt, da.name, r.engineSetting(), a.Engine, err.Error())
	}
	if da.proxyNote != "" {
		r.warn(da.proxyAt, da.name, fmt.Sprintf("%s with %s (Python %s)", da.proxyNote, c.exe, c.version))
	}
	r.scriptProcessorNote(da)
	if c.warning != "" {
		setting := r.engineSetting()
		if a.Engine == WfastcgiEngine {
			setting = "engine" // the scriptProcessor names wfastcgi.py, not an engine
		}
		r.warn(da.engineAt, da.name, fmt.Sprintf("%s %q: %s", setting, a.Engine, c.warning))
	}
	a.Python = c.exe
	return nil
}

// checkEngineCommands warns about custom engines whose command is not in PATH;
// check still succeeds, the app fails when it starts.
func (r *resolver) checkEngineCommands() {
	names := make([]string, 0, len(r.d.engines))
	for n := range r.d.engines {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cmd := r.d.engines[n].Command
		if _, err := exec.LookPath(cmd); err != nil {
			r.s.Warnings = append(r.s.Warnings, fmt.Sprintf("%s: engine %q: command %q not found in PATH", shortPath(r.d.file), n, cmd))
		}
	}
}

// lookupEnv finds a variable in the app's env, ignoring case like Windows.
func lookupEnv(env []EnvVar, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if strings.EqualFold(env[i].Name, name) {
			return env[i].Value, true
		}
	}
	return "", false
}

// checkListen accepts host:port with a numeric port (0 picks a free one).
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("not an address; use HOST:PORT such as 127.0.0.1:8080")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port must be a number from 0 to 65535")
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return fmt.Errorf("host must be an IP address or localhost")
	}
	return nil
}

// cleanURLPath normalizes a mount prefix to "/" or "/a/b" with no trailing slash.
func cleanURLPath(p string) (string, bool) {
	if strings.ContainsAny(p, "?#%\\ \t\r\n") {
		return "", false
	}
	return path.Clean("/" + p), true
}
