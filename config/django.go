package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// djangoSettings reads DJANGO_SETTINGS_MODULE: a dotted module name, or (as
// Helicon Zoo's worker allows) the path of a settings.py, which becomes
// package.settings with the package's parent folder on the module path.
func (r *resolver) djangoSettings(a *App, value string, n *envNotes, bad func(string) error) (string, error) {
	value = strings.TrimSpace(value)
	if dottedName.MatchString(value) && !strings.HasSuffix(value, ".py") {
		a.DjangoSettings = value
		return value, nil
	}
	if !strings.ContainsAny(value, `/\`) && !strings.HasSuffix(value, ".py") {
		return value, bad("not a Python module name, e.g. mysite.settings, nor the path of a settings.py")
	}
	file := nativePath(value, a.Root)
	if isDrivePath(value) {
		file, _ = projectPath(value, a.Root)
	}
	if !strings.HasSuffix(file, ".py") && isFile(file+".py") {
		file += ".py"
	}
	if !isFile(file) {
		return value, bad("settings file not found at " + file + "; use a module name such as mysite.settings or the path of settings.py")
	}
	pkg := filepath.Dir(file)
	module := filepath.Base(pkg) + "." + strings.TrimSuffix(filepath.Base(file), ".py")
	if !dottedName.MatchString(module) {
		return value, bad(fmt.Sprintf("%s is not importable as a Python module (%s)", file, module))
	}
	a.DjangoSettings = module
	n.djangoPath = filepath.Dir(pkg)
	return module, nil
}

// djangoRoot applies Helicon's django.root: the URL prefix Django sees as
// SCRIPT_NAME. At the site's root it becomes the app's path; under a
// <location> that says otherwise the location wins, with a warning.
func (r *resolver) djangoRoot(da *draftApp, a *App, v draftVar) error {
	value := strings.TrimSpace(v.value)
	if value == "" || value == "/" {
		return nil
	}
	p, ok := cleanURLPath(value)
	if !ok {
		return r.err(v.at, da.name, v.name, value, `not a URL path; use "/prefix" or %APPL_VIRTUAL_PATH%`)
	}
	switch a.Path {
	case p:
	case "/":
		a.Path = p
	default:
		r.warn(v.at, da.name, fmt.Sprintf("%s %s differs from the location path %s; serving at %s", v.name, quote(value), a.Path, a.Path))
	}
	return nil
}

// venvProxy serves the app Azure's ptvs_virtualenv_proxy would load: the one in
// WSGI_ALT_VIRTUALENV_HANDLER, with the local interpreter instead of the Windows
// virtualenv WSGI_ALT_VIRTUALENV_ACTIVATE_THIS names.
func (r *resolver) venvProxy(da *draftApp, a *App, proxy draftVar) error {
	real, _ := lookupEnv(a.Env, VarAltHandler)
	real = strings.TrimSpace(real)
	if real == "" {
		return r.err(proxy.at, da.name, proxy.name, proxy.value, "Azure's virtualenv proxy serves the app named in "+VarAltHandler+", which is not set; set it to module.attr")
	}
	switch {
	case real == djangoWfastcgiApp:
		a.WSGIApp = ""
	case !wsgiAppForm.MatchString(real):
		at := proxy.at
		if v, ok := findVar(da.env, VarAltHandler); ok {
			at = v.at
		}
		return r.err(at, da.name, VarAltHandler, real, "not a WSGI callable; use module.attr or module:attr, e.g. app.wsgi_app")
	default:
		a.WSGIApp = real
	}
	activate, _ := lookupEnv(a.Env, VarAltActivate)
	da.venvHint = localVenv(activate, a.Root)
	da.proxyAt = proxy.at
	da.proxyNote = fmt.Sprintf("%s %s is Azure's virtualenv proxy: serving %s %s directly", proxy.name, quote(proxy.value), VarAltHandler, quote(real))
	if activate != "" && da.venvHint == "" {
		da.proxyNote += fmt.Sprintf(" (the virtualenv %s is not in this project)", quote(activate))
	}
	return nil
}

// localVenv finds the project's copy of a virtualenv named by a file in it
// (D:\home\site\wwwroot\env\Scripts\activate_this.py is root/env when root/env is a
// virtualenv); "" when there is none.
func localVenv(file, root string) string {
	parts := strings.FieldsFunc(file, func(r rune) bool { return r == '\\' || r == '/' })
	for i, p := range parts {
		if !strings.EqualFold(p, "Scripts") && p != "bin" {
			continue
		}
		for j := 0; j < i; j++ {
			dir := filepath.Join(append([]string{root}, parts[j:i]...)...)
			if isFile(filepath.Join(dir, "bin", "python")) || isFile(filepath.Join(dir, "Scripts", "python.exe")) {
				return dir
			}
		}
	}
	return ""
}
