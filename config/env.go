package config

import (
	"errors"
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
	djangoWfastcgiApp = "django.core.wsgi.get_wsgi_application()"
	// DefaultWatchMask is watched when WATCH_FILE_CHANGES_MASK is not set at all;
	// set to "" it turns watching off.
	DefaultWatchMask = "*.py"
)

var (
	// wsgiAppForm is module.attr or module:attr, with dotted Python identifiers; module:factory()
	// names an app factory (Flask's create_app()) that the worker calls once.
	wsgiAppForm = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\.[A-Za-z_]\w*|:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?)$`)
	// dottedName is a Python module path such as mysite.settings.
	dottedName = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$`)
)

// env expands the app's variables in file order and fills the settings
// zoo-dev acts on. Later definitions of a name replace earlier ones.
func (r *resolver) env(da *draftApp, a *App) error {
	x := newExpander(a.Root, a.Path)
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
		}
		x.set(v.name, value)
		if err := r.setting(da, a, v, value); err != nil {
			return err
		}
		key := strings.ToUpper(v.name)
		if i, ok := index[key]; ok {
			a.Env[i].Value = value
			continue
		}
		index[key] = len(a.Env)
		a.Env = append(a.Env, EnvVar{Name: v.name, Value: value})
	}
	if _, set := lookupEnv(a.Env, VarWatchMask); !set && a.WatchRegex == "" && r.isPythonEngine(a.Engine) {
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

// setting checks and records one variable zoo-dev acts on.
func (r *resolver) setting(da *draftApp, a *App, v draftVar, value string) error {
	bad := func(msg string) error { return r.err(v.at, da.name, v.name, value, msg) }
	switch strings.ToUpper(v.name) {
	case VarWSGIApp, VarWSGIHandler:
		if value == djangoWfastcgiApp {
			a.WSGIApp = "" // served through DJANGO_SETTINGS_MODULE
			return nil
		}
		if !wsgiAppForm.MatchString(value) {
			return bad("not a WSGI callable; use module.attr or module:attr (a factory: module:create_app()), e.g. wsgi.application")
		}
		a.WSGIApp = value
	case VarDjango:
		if !dottedName.MatchString(value) {
			return bad("not a Python module name, e.g. mysite.settings")
		}
		a.DjangoSettings = value
	case VarDeployFile:
		return r.deployFile(a, value, bad)
	case VarDeployLog:
		a.DeployLog = nativeOrEmpty(value, a.Root)
	case VarErrorLogDir:
		a.ErrorLogDir = nativeOrEmpty(value, a.Root)
	case VarWSGILog:
		a.ErrorLogFile = nativeOrEmpty(value, a.Root)
		if a.ErrorLogDir == "" && a.ErrorLogFile != "" {
			a.ErrorLogDir = filepath.Dir(a.ErrorLogFile)
		}
	case VarWatchMask:
		masks, err := splitMasks(value)
		if err != nil {
			return bad(err.Error())
		}
		a.WatchMasks = masks
	case VarWSGIRestart:
		if _, err := regexp.Compile(value); err != nil {
			return bad("bad regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		a.WatchRegex = value
	}
	return nil
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
