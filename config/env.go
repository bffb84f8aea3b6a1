package config

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// The variables zoo-dev acts on (Helicon Zoo's names, and wfastcgi's).
const (
	VarWSGIApp        = "WSGI_APP"
	VarDjango         = "DJANGO_SETTINGS_MODULE"
	VarPythonPath     = "PYTHONPATH"
	VarDeployFile     = "DEPLOY_FILE"
	VarDeployLog      = "DEPLOY_LOG"
	VarErrorLogDir    = "ERROR_LOG_DIR"
	VarWatchMask      = "WATCH_FILE_CHANGES_MASK"
	VarWSGIHandler    = "WSGI_HANDLER"
	VarWSGILog        = "WSGI_LOG"
	VarWSGIRestart    = "WSGI_RESTART_FILE_REGEX"
	VarDjangoRoot     = "django.root"
	VarAltHandler     = "WSGI_ALT_VIRTUALENV_HANDLER"
	VarAltActivate    = "WSGI_ALT_VIRTUALENV_ACTIVATE_THIS"
	djangoWfastcgiApp = "django.core.wsgi.get_wsgi_application()"
	// DefaultRestartRegex is what wfastcgi watches when WSGI_RESTART_FILE_REGEX is unset.
	DefaultRestartRegex = `.*((\.py)|(\.config))$`
	// DefaultWatchMask is watched when neither WATCH_FILE_CHANGES_MASK nor
	// WSGI_RESTART_FILE_REGEX is set; set to "" either turns watching off.
	DefaultWatchMask = "*.py"
)

var (
	// wsgiAppForm is module.attr or module:attr, with dotted Python identifiers;
	// as in wfastcgi, a name after the first may end in "()": call it to get the app
	// (module:create_app() names a Flask app factory).
	wsgiAppForm = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*(\(\))?)*(\.[A-Za-z_]\w*(\(\))?|:[A-Za-z_]\w*(\(\))?(\.[A-Za-z_]\w*(\(\))?)*)$`)
	// venvProxy is Azure's ptvs_virtualenv_proxy, which activates a Windows virtualenv.
	venvProxy = regexp.MustCompile(`^ptvs_virtualenv_proxy\.get_(virtualenv|venv)_handler\(\)$`)
	// dottedName is a Python module path such as mysite.settings.
	dottedName = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$`)
)

// envNotes are findings of the variables that are settled once all are read.
type envNotes struct {
	restartSet bool     // WSGI_RESTART_FILE_REGEX was written, maybe empty
	proxy      draftVar // WSGI_HANDLER naming Azure's virtualenv proxy
	wsgiAt     pos      // where WSGI_APP (or WSGI_HANDLER) was set
	djangoPath string   // the folder to import a settings.py's package from
	root       draftVar // django.root, expanded
}

// env expands the app's variables in file order and fills the settings
// zoo-dev acts on. Later definitions of a name replace earlier ones.
func (r *resolver) env(da *draftApp, a *App) error {
	x := newExpander(a.Root, a.Path)
	if da.platform != nil {
		x.keep = platformPortVars
	}
	n := &envNotes{}
	index := map[string]int{}
	for _, v := range da.env {
		if v.name == "" || strings.ContainsAny(v.name, "=\x00") {
			return r.err(v.at, da.name, "", "", "bad variable name "+quote(v.name)+"; a name cannot be empty or hold '='")
		}
		if strings.ContainsRune(v.value, 0) {
			return r.err(v.at, da.name, v.name, v.value, "a value cannot hold a NUL character")
		}
		value := x.expand(v.value, v.name)
		if isPathList(v.name) {
			value = r.pathList(da, v, value, a)
		} else if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v.value)), "%APPL_PHYSICAL_PATH%") {
			value = nativeSlashes(value) // a path inside the project, on every OS
		}
		value, err := r.setting(da, a, v, value, n)
		if err != nil {
			return err
		}
		x.set(v.name, value)
		key := strings.ToUpper(v.name)
		if i, ok := index[key]; ok {
			a.Env[i].Value = value
			continue
		}
		index[key] = len(a.Env)
		a.Env = append(a.Env, EnvVar{Name: v.name, Value: value})
	}
	return r.settle(da, a, n)
}

// settle decides what needs every variable: which app is served, the
// virtualenv proxy, Django's folder and prefix, wfastcgi's default watch.
func (r *resolver) settle(da *draftApp, a *App, n *envNotes) error {
	if n.proxy.name != "" {
		if err := r.venvProxy(da, a, n.proxy); err != nil {
			return err
		}
	}
	_, helicon := engineVersion(a.Engine)
	if helicon && a.WSGIApp != "" && a.DjangoSettings != "" {
		r.warn(n.wsgiAt, da.name, fmt.Sprintf("WSGI_APP %s is not used: DJANGO_SETTINGS_MODULE is set too, and Helicon Zoo then serves Django (%s); remove one of them",
			quote(a.WSGIApp), a.DjangoSettings))
		a.WSGIApp = ""
	}
	if n.djangoPath != "" {
		addPythonPath(a, n.djangoPath)
	}
	if a.WSGIApp == "" && a.DjangoSettings != "" && n.root.name != "" {
		if err := r.djangoRoot(da, a, n.root); err != nil {
			return err
		}
	}
	if a.Engine == WfastcgiEngine && !n.restartSet {
		a.WatchRegex = DefaultRestartRegex
	}
	if _, set := lookupEnv(a.Env, VarWatchMask); !set && !n.restartSet && a.WatchRegex == "" && r.isPythonEngine(a.Engine) {
		a.WatchMasks = []string{DefaultWatchMask} // reload on save unless the file says otherwise
	}
	if a.WSGIApp == "" && a.DjangoSettings == "" && r.isPythonEngine(a.Engine) {
		at := da.envAt
		if at.line == 0 {
			at = da.at
		}
		return r.err(at, da.name, VarWSGIApp, "", "not set; set WSGI_APP to module.attr (e.g. wsgi.application) or set DJANGO_SETTINGS_MODULE")
	}
	return nil
}

// isPythonEngine reports whether the engine runs zoo-dev's Python worker.
func (r *resolver) isPythonEngine(engine string) bool {
	if _, custom := r.d.engines[engine]; custom {
		return false
	}
	_, ok := engineVersion(engine)
	return ok || engine == WfastcgiEngine
}

// pathList makes a PYTHONPATH or PATH value native and absolute.
func (r *resolver) pathList(da *draftApp, v draftVar, value string, a *App) string {
	paths, dropped := splitPathList(value, a.Root)
	for _, d := range dropped {
		r.warn(v.at, da.name, v.name+": Windows path "+quote(d)+" ignored on this system")
	}
	if strings.EqualFold(v.name, VarPythonPath) {
		a.PythonPath = paths
	}
	return strings.Join(paths, string(os.PathListSeparator))
}

// addPythonPath appends a folder to the app's module path and its PYTHONPATH.
func addPythonPath(a *App, dir string) {
	for _, p := range a.PythonPath {
		if p == dir {
			return
		}
	}
	a.PythonPath = append(a.PythonPath, dir)
	joined := strings.Join(a.PythonPath, string(os.PathListSeparator))
	for i := range a.Env {
		if strings.EqualFold(a.Env[i].Name, VarPythonPath) {
			a.Env[i].Value = joined
			return
		}
	}
	a.Env = append(a.Env, EnvVar{Name: VarPythonPath, Value: joined})
}

// setting checks and records one variable zoo-dev acts on; it returns the
// value the app's environment gets.
func (r *resolver) setting(da *draftApp, a *App, v draftVar, value string, n *envNotes) (string, error) {
	bad := func(msg string) error { return r.err(v.at, da.name, v.name, value, msg) }
	switch strings.ToUpper(v.name) {
	case VarWSGIApp, VarWSGIHandler:
		n.wsgiAt = v.at
		switch {
		case value == djangoWfastcgiApp:
			a.WSGIApp = "" // served through DJANGO_SETTINGS_MODULE
		case venvProxy.MatchString(value) && strings.EqualFold(v.name, VarWSGIHandler):
			n.proxy = draftVar{name: v.name, value: value, at: v.at}
		case !wsgiAppForm.MatchString(value):
			return value, bad("not a WSGI callable; use module.attr or module:attr (a factory: module:create_app()), e.g. wsgi.application")
		default:
			a.WSGIApp = value
		}
	case VarDjango:
		return r.djangoSettings(a, value, n, bad)
	case strings.ToUpper(VarDjangoRoot):
		n.root = draftVar{name: v.name, value: value, at: v.at}
	case VarDeployFile:
		return value, r.deployFile(a, value, bad)
	case VarDeployLog:
		a.DeployLog = r.logPath(da, v.at, v.name, v.value, value, a.Root, false)
		return orValue(a.DeployLog, value), nil
	case VarErrorLogDir:
		a.ErrorLogDir = r.logPath(da, v.at, v.name, v.value, value, a.Root, true)
		return orValue(a.ErrorLogDir, value), nil
	case VarWSGILog:
		a.ErrorLogFile = r.logPath(da, v.at, v.name, v.value, value, a.Root, false)
		if a.ErrorLogDir == "" && a.ErrorLogFile != "" {
			a.ErrorLogDir = filepath.Dir(a.ErrorLogFile)
		}
		return orValue(a.ErrorLogFile, value), nil
	case VarWatchMask:
		masks, err := splitMasks(value)
		if err != nil {
			return value, bad(err.Error())
		}
		a.WatchMasks = masks
	case VarWSGIRestart:
		if _, err := regexp.Compile(value); err != nil {
			return value, bad("bad regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		a.WatchRegex, n.restartSet = value, true
	}
	return value, nil
}

// orValue is the resolved path, or the value as written when it resolved to nothing.
func orValue(resolved, value string) string {
	if resolved == "" {
		return value
	}
	return resolved
}

// deployFile records DEPLOY_FILE, which must exist as a file under the root.
func (r *resolver) deployFile(a *App, value string, bad func(string) error) error {
	a.DeployFile = nativeOrEmpty(value, a.Root)
	if a.DeployFile == "" {
		return nil
	}
	st, err := os.Stat(a.DeployFile)
	switch {
	case err != nil:
		return bad("file not found at " + a.DeployFile + "; create it or remove DEPLOY_FILE")
	case st.IsDir():
		return bad("is a folder, not a script")
	}
	return nil
}

// nativeOrEmpty makes a path setting absolute and native; "" stays "".
func nativeOrEmpty(value, root string) string {
	if strings.TrimSpace(value) == "" {
		return ""
	}
	return nativePath(strings.TrimSpace(value), root)
}

// splitMasks splits WATCH_FILE_CHANGES_MASK on ';' and '|' and checks each glob.
func splitMasks(value string) ([]string, error) {
	var masks []string
	for _, m := range strings.FieldsFunc(value, func(r rune) bool { return r == ';' || r == '|' }) {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if _, err := path.Match(m, ""); errors.Is(err, path.ErrBadPattern) {
			return nil, errors.New("bad pattern " + quote(m) + "; use globs such as *.py;*.html")
		}
		masks = append(masks, m)
	}
	return masks, nil
}
