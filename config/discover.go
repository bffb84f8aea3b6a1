package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Found is the app Discover found in a folder without web.config or zoo.toml.
type Found struct {
	Dir     string // the absolute project folder
	Name    string // the app name: the folder's name
	File    string // the file that gave it away: manage.py, app.py, wsgi.py ...
	Kind    string // "Django", "Flask" or "WSGI"
	WSGIApp string // module:attr or module:factory(); empty for Django
	Django  string // DJANGO_SETTINGS_MODULE; empty otherwise
}

// lookedFor is the one line that says what Discover tries, for when it finds nothing.
const lookedFor = "manage.py (Django), FLASK_APP, wsgi.py or app.py with app, application, create_app() or make_app()"

// NoConfigIn reports whether dir is a folder with neither zoo.toml nor web.config,
// where zoo-dev looks for the app itself.
func NoConfigIn(dir string) bool {
	return isDir(dir) && !isFile(filepath.Join(dir, TOMLName)) && !isFile(filepath.Join(dir, WebConfigName))
}

// Discover finds the app in dir the way the frameworks' own servers do: a Django
// manage.py and its DJANGO_SETTINGS_MODULE; FLASK_APP; then wsgi.py and app.py
// holding app or application, or an app factory create_app() or make_app(). It
// reads the files, it runs nothing. The error is one line naming what it looked for.
func Discover(dir string) (*Found, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &Error{File: dir, Msg: "bad path: " + errText(err), Err: err}
	}
	f := &Found{Dir: abs, Name: appName(abs)}
	if src, ok := readSource(filepath.Join(abs, "manage.py")); ok {
		if m := djangoSettingsRE.FindStringSubmatch(src); m != nil {
			f.File, f.Kind, f.Django = "manage.py", "Django", m[1]
			return f, nil
		}
	}
	if v := strings.TrimSpace(os.Getenv("FLASK_APP")); v != "" {
		return f, f.fromFlaskApp(v)
	}
	for _, file := range []string{"wsgi.py", "app.py"} {
		src, ok := readSource(filepath.Join(abs, file))
		if !ok {
			continue
		}
		if attr := findCallable(src); attr != "" {
			f.File, f.Kind, f.WSGIApp = file, kindOf(src), strings.TrimSuffix(file, ".py")+":"+attr
			return f, nil
		}
	}
	return nil, &Error{File: abs, Msg: "no web.config or zoo.toml, and no app found (looked for " + lookedFor +
		"); pass --config FILE, or run `zoo-dev init --sample " + shellArg(dir) + "` for a starter project"}
}

// fromFlaskApp reads FLASK_APP as Flask does: a module or a file, with an optional
// :attr or :factory().
func (f *Found) fromFlaskApp(v string) error {
	module, attr, _ := strings.Cut(v, ":")
	module = strings.ReplaceAll(strings.TrimSuffix(module, ".py"), "/", ".")
	f.Kind, f.File = "Flask", "FLASK_APP="+v
	if attr == "" {
		src, _ := readSource(moduleFile(f.Dir, module))
		attr = findCallable(src)
	}
	f.WSGIApp = module + ":" + attr
	if attr == "" || !wsgiAppForm.MatchString(f.WSGIApp) {
		return &Error{File: f.Dir, Setting: "FLASK_APP", Value: v,
			Msg: "names no app zoo-dev can serve; set it to module, module:app or module:create_app()"}
	}
	return nil
}

var (
	djangoSettingsRE = regexp.MustCompile(`DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)['"]`)
	flaskRE          = regexp.MustCompile(`(?m)^\s*(from\s+flask\s+import|import\s+flask)\b`)
)

// bindingRE matches a top-level name bound by assignment, def, class or import.
func bindingRE(name string) *regexp.Regexp {
	n := regexp.QuoteMeta(name)
	return regexp.MustCompile(`(?m)^(` + n + `\s*(:[^=\n]*)?=[^=]|(def|class)\s+` + n + `\b|from\s+\S+\s+import\s+.*\b` + n + `\b|import\s+.*\bas\s+` + n + `\b)`)
}

var (
	callableREs = []struct {
		re   *regexp.Regexp
		attr string
	}{
		{bindingRE("app"), "app"},
		{bindingRE("application"), "application"},
		{regexp.MustCompile(`(?m)^def\s+create_app\s*\(`), "create_app()"},
		{regexp.MustCompile(`(?m)^def\s+make_app\s*\(`), "make_app()"},
	}
)

// findCallable returns the first of app, application, create_app() and make_app()
// that the source defines at top level, in Flask's order; "" when none.
func findCallable(src string) string {
	for _, c := range callableREs {
		if c.re.MatchString(src) {
			return c.attr
		}
	}
	return ""
}

func kindOf(src string) string {
	if flaskRE.MatchString(src) {
		return "Flask"
	}
	return "WSGI"
}

// moduleFile is the source of a dotted module under root: a .py file or a package.
func moduleFile(root, module string) string {
	p := filepath.Join(root, filepath.FromSlash(strings.ReplaceAll(module, ".", "/")))
	if isFile(p + ".py") {
		return p + ".py"
	}
	return filepath.Join(p, "__init__.py")
}

// readSource reads a Python file of reasonable size.
func readSource(path string) (string, bool) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || st.Size() > 4<<20 {
		return "", false
	}
	b, err := os.ReadFile(path)
	return string(b), err == nil
}

var nameRE = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// appName is the folder's name made safe as an app name.
func appName(dir string) string {
	n := nameRE.ReplaceAllString(filepath.Base(dir), "-")
	if strings.Trim(n, "-.") == "" {
		return "app"
	}
	return n
}

// What is one line naming the app, e.g. "Flask app app:app from app.py".
func (f *Found) What() string {
	if f.Django != "" {
		return fmt.Sprintf("Django project %s from manage.py", f.Django)
	}
	return fmt.Sprintf("%s app %s from %s", f.Kind, f.WSGIApp, f.File)
}

// TOML is the zoo.toml that pins the found app.
func (f *Found) TOML() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# zoo-dev: the %s found in this folder. Reference: zoo-dev --help, README.\n", f.What())
	fmt.Fprintf(&b, "[[app]]\nname = %s\npath = \"/\"\nengine = %q\n\n[app.env]\n", tomlString(f.Name), DefaultEngine)
	if f.Django != "" {
		fmt.Fprintf(&b, "DJANGO_SETTINGS_MODULE = %s\n", tomlString(f.Django))
	} else {
		fmt.Fprintf(&b, "WSGI_APP = %s\n", tomlString(f.WSGIApp))
	}
	if f.Kind == "Flask" {
		b.WriteString("FLASK_DEBUG = \"1\"   # Flask lets exceptions through to zoo-dev's exception page\n")
	}
	fmt.Fprintf(&b, "# WATCH_FILE_CHANGES_MASK: %s when unset (reload on save); \"\" turns it off\n", DefaultWatchMask)
	return []byte(b.String())
}

// WebConfig is the same app in Helicon Zoo's web.config form.
func (f *Found) WebConfig() []byte {
	name := xmlAttr(f.Name)
	flaskDebug := ""
	if f.Kind == "Flask" {
		flaskDebug = `<add name="FLASK_DEBUG" value="1" />
        `
	}
	v := `<add name="WSGI_APP" value="` + xmlAttr(f.WSGIApp) + `" />`
	if f.Django != "" {
		v = `<add name="DJANGO_SETTINGS_MODULE" value="` + xmlAttr(f.Django) + `" />`
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- zoo-dev: the ` + xmlAttr(f.What()) + ` found in this folder -->
<configuration><system.webServer>
  <heliconZoo>
    <application name="` + name + `">
      <environmentVariables>
        <add name="PYTHONPATH" value="%APPL_PHYSICAL_PATH%;%PYTHONPATH%" />
        ` + v + `
        ` + flaskDebug + `<!-- WATCH_FILE_CHANGES_MASK: ` + DefaultWatchMask + ` when unset (reload on save); "" turns it off -->
      </environmentVariables>
    </application>
  </heliconZoo>
  <handlers>
    <add name="` + name + `#x86" scriptProcessor="python.3.wsgi" path="*" verb="*" modules="HeliconZoo_x86" preCondition="bitness32" resourceType="Unspecified" requireAccess="Script" />
    <add name="` + name + `#x64" scriptProcessor="python.3.wsgi" path="*" verb="*" modules="HeliconZoo_x64" preCondition="bitness64" resourceType="Unspecified" requireAccess="Script" />
  </handlers>
</system.webServer></configuration>
`)
}

// Site resolves the found app as if its zoo.toml were written: the same checks and
// interpreter choice as Load. Site.File is the folder.
func (f *Found) Site() (*Site, error) {
	s, err := loadBytes(filepath.Join(f.Dir, TOMLName), f.TOML(), newPythonFinder())
	if e, ok := err.(*Error); ok {
		// No such zoo.toml exists: name the folder and what was found instead.
		e.File, e.Line, e.Col = f.Dir, 0, 0
		e.Msg += " (serving the " + f.What() + ")"
	}
	if err != nil {
		return nil, err
	}
	s.File, s.Format = f.Dir, "found: "+f.What()
	return s, nil
}

func tomlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func xmlAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
