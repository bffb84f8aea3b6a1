package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The real web.config forms, one folder each under testdata/. Each test loads
// the folder as zoo-dev would and checks what a user would see: the app, its
// prefix, environment and log paths, or the one line that says why not.

// copyForm copies testdata/form into a new folder and adds extra files.
func copyForm(t *testing.T, form string, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", form)
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range extra {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// warningWith returns the warnings that contain every part, failing unless exactly one does.
func warningWith(t *testing.T, warnings []string, parts ...string) string {
	t.Helper()
	var found []string
	for _, w := range warnings {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(w, p)
		}
		if all {
			found = append(found, w)
		}
	}
	if len(found) != 1 {
		t.Errorf("%d warnings with %q, want 1; warnings: %q", len(found), parts, warnings)
		return ""
	}
	return found[0]
}

func env(a *App, name string) string {
	v, _ := lookupEnv(a.Env, name)
	return v
}

// TestHeliconEarlyNaming: X.x86/X.x64 handlers, each with its own <application>,
// are one app; preCondition bitness64 picks the x64 one; python.2.7.pipe is
// Python; Windows log paths land in log/; a sub-folder whose web.config
// removes both handlers is a static folder.
func TestHeliconEarlyNaming(t *testing.T) {
	dir := copyForm(t, "helicon-early", nil)
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Apps) != 1 {
		t.Fatalf("%d apps, want the pair as one", len(s.Apps))
	}
	a := s.Apps[0]
	if a.Name != "flask.project" || a.Engine != "python.2.7.pipe" || a.WSGIApp != "hello.app" || a.Path != "/" {
		t.Errorf("app %q engine %q wsgi %q path %q; want flask.project, python.2.7.pipe, hello.app (the x64 one), /", a.Name, a.Engine, a.WSGIApp, a.Path)
	}
	if a.DeployLog != filepath.Join(dir, "log", "deploy.log") || a.ErrorLogDir != filepath.Join(dir, "log") {
		t.Errorf("deploy log %q error log dir %q, want both in %s", a.DeployLog, a.ErrorLogDir, filepath.Join(dir, "log"))
	}
	if env(a, "DEPLOY_LOG") != a.DeployLog || env(a, "DATA_DIR") != filepath.Join(dir, "data") {
		t.Errorf("env DEPLOY_LOG %q DATA_DIR %q", env(a, "DEPLOY_LOG"), env(a, "DATA_DIR"))
	}
	warningWith(t, s.Warnings, `DEPLOY_LOG "C:\inetpub\logs\deploy.log": a Windows path; writing to log/deploy.log`)
	warningWith(t, s.Warnings, `ERROR_LOG_DIR "D:\home\LogFiles": a Windows path; writing to log in the project`)
	if strings.Contains(strings.Join(s.Warnings, "\n"), "no handler") {
		t.Errorf("the x86 <application> is used by its handler: %q", s.Warnings)
	}
	want := []StaticFolder{{Path: "/static", Root: filepath.Join(dir, "static")}}
	if !reflect.DeepEqual(s.Static, want) {
		t.Errorf("static %+v, want %+v", s.Static, want)
	}
}

// TestHeliconDjango: DJANGO_SETTINGS_MODULE as a relative path with '\' is the
// module mysite.settings with its parent on the path, wins over WSGI_APP with
// one warning, and django.root is the prefix Django sees as SCRIPT_NAME.
func TestHeliconDjango(t *testing.T) {
	s, err := load("testdata/helicon-django", onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("testdata/helicon-django")
	a := s.Apps[0]
	if a.DjangoSettings != "mysite.settings" || a.WSGIApp != "" || a.Path != "/shop" {
		t.Errorf("django %q wsgi %q path %q; want mysite.settings, none, /shop", a.DjangoSettings, a.WSGIApp, a.Path)
	}
	if env(a, "DJANGO_SETTINGS_MODULE") != "mysite.settings" || !reflect.DeepEqual(a.PythonPath, []string{root}) || env(a, "PYTHONPATH") != root {
		t.Errorf("env DJANGO_SETTINGS_MODULE %q PYTHONPATH %q, python path %q", env(a, "DJANGO_SETTINGS_MODULE"), env(a, "PYTHONPATH"), a.PythonPath)
	}
	warningWith(t, s.Warnings, `web.config:9:11:`, `WSGI_APP "hello.app" is not used: DJANGO_SETTINGS_MODULE is set too`)
}

// TestUnmatchedApplication: an <application> whose name matches no handler is
// one warning naming both, and it reaches the user with the error that follows.
func TestUnmatchedApplication(t *testing.T) {
	_, err := load("testdata/helicon-mismatch", onlyPython3())
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *Error", err)
	}
	if ce.Line != 12 || ce.Setting != "WSGI_APP" || !strings.Contains(ce.Msg, "not set") {
		t.Errorf("error %q, want WSGI_APP not set at line 12", ce.Error())
	}
	if len(ce.Warnings) != 1 {
		t.Fatalf("warnings %q, want 1", ce.Warnings)
	}
	w := warningWith(t, ce.Warnings, `web.config:5:7: application "django.project": no handler reads this <application>`,
		`handler "DjangoProject#x64" (line 12) reads <application name="DjangoProject">`)
	if strings.Contains(w, "\n") {
		t.Errorf("not one line: %q", w)
	}
}

// TestStaticOnlyFolder: a web.config that only removes handlers holds no app.
func TestStaticOnlyFolder(t *testing.T) {
	_, err := load("testdata/static-only", onlyPython3())
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 5 || ce.Col != 7 || !strings.Contains(ce.Msg, "only removes handlers") || !strings.Contains(ce.Msg, "holds no app") {
		t.Errorf("got %v, want the <remove> line saying the folder holds no app", err)
	}
}

// TestWfastcgiAppSettingsOnly: <appSettings> alone is an app; WSGI_HANDLER may
// call a factory; every setting, also inside <location>, reaches the
// environment expanded; a drive path in WSGI_LOG lands in log/; the watch is
// wfastcgi's default.
func TestWfastcgiAppSettingsOnly(t *testing.T) {
	dir := copyForm(t, "wfastcgi-appsettings", nil)
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Apps) != 1 {
		t.Fatalf("%d apps, want 1", len(s.Apps))
	}
	a := s.Apps[0]
	if a.Engine != WfastcgiEngine || a.WSGIApp != "app.create_app()" || a.Path != "/" || a.Python != "/fake/bin/python3" {
		t.Errorf("engine %q wsgi %q path %q python %q", a.Engine, a.WSGIApp, a.Path, a.Python)
	}
	logFile := filepath.Join(dir, "log", "wfastcgi.log")
	if a.ErrorLogFile != logFile || env(a, "WSGI_LOG") != logFile {
		t.Errorf("log file %q env %q, want %q", a.ErrorLogFile, env(a, "WSGI_LOG"), logFile)
	}
	data := filepath.Join(dir, "data")
	if env(a, "SITE_DATA") != data || env(a, "ADMIN_TITLE") != "Admin of "+data || env(a, "DJANGO_SETTINGS_MODULE") != "site.settings" {
		t.Errorf("env %v", a.Env)
	}
	if a.WatchRegex != `.*((\.py)|(\.config))$` {
		t.Errorf("watch regex %q, want wfastcgi's default", a.WatchRegex)
	}
	warningWith(t, s.Warnings, `WSGI_LOG "D:\home\LogFiles\wfastcgi.log": a Windows path; writing to log/wfastcgi.log`)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("loading created files in the project: %v", entries)
	}
}

// TestAzureVenvProxy: ptvs_virtualenv_proxy serves WSGI_ALT_VIRTUALENV_HANDLER
// with the project's copy of the virtualenv, one warning; an empty
// WSGI_RESTART_FILE_REGEX turns the watch off.
func TestAzureVenvProxy(t *testing.T) {
	dir := copyForm(t, "azure-venv-proxy", map[string]string{"env/bin/python": "", "ptvs_virtualenv_proxy.py": ""})
	venvPy := filepath.Join(dir, "env", "bin", "python")
	s, err := load(dir, fakePython(map[string]string{"python3": "3.11", venvPy: "3.4"}))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Apps[0]
	if a.WSGIApp != "app.wsgi_app" || a.Python != venvPy || a.WatchRegex != "" || len(a.WatchMasks) != 0 {
		t.Errorf("wsgi %q python %q watch %q %q", a.WSGIApp, a.Python, a.WatchRegex, a.WatchMasks)
	}
	warningWith(t, s.Warnings, `WSGI_HANDLER "ptvs_virtualenv_proxy.get_venv_handler()" is Azure's virtualenv proxy: serving WSGI_ALT_VIRTUALENV_HANDLER "app.wsgi_app" directly with `+venvPy)
	if strings.Contains(strings.Join(s.Warnings, "\n"), "is not in this project") {
		t.Errorf("the virtualenv is in the project: %q", s.Warnings)
	}
}

// TestWfastcgiPlaceholder: a scriptProcessor left as a template placeholder is a warning.
func TestWfastcgiPlaceholder(t *testing.T) {
	s, err := load("testdata/wfastcgi-placeholder", onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	a := s.Apps[0]
	if a.DjangoSettings != "mysite.settings" || a.WSGIApp != "" || a.WatchRegex != `.*((\.py)|(\.html))$` {
		t.Errorf("django %q wsgi %q regex %q", a.DjangoSettings, a.WSGIApp, a.WatchRegex)
	}
	warningWith(t, s.Warnings, `web.config:10:7:`, `scriptProcessor "SCRIPT_PROCESSOR" is not an interpreter's path`)
}

// TestHttpPlatform: Azure's HttpPlatformHandler template is an app run by an
// "http" engine: the local interpreter, the script found in the project, the
// port as %PORT%, the log in log/, the timeouts, retries and process count.
func TestHttpPlatform(t *testing.T) {
	dir := copyForm(t, "httpplatform", nil)
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	a := s.Apps[0]
	e := s.Engines[a.Engine]
	if a.Name != "PythonHandler" || a.Engine != PlatformEngine || e == nil {
		t.Fatalf("app %q engine %q (%v)", a.Name, a.Engine, s.Engines)
	}
	want := &Engine{Command: "/fake/bin/python3", Protocol: "http", Transport: "tcp", StartRetries: 3,
		Args:    []string{filepath.Join(dir, "runserver.py"), "--port", "%PORT%", "--data", filepath.Join(dir, "data")},
		PortEnv: []string{"HTTP_PLATFORM_PORT", "ASPNETCORE_PORT", "PORT"}}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("engine\n %+v, want\n %+v", e, want)
	}
	if a.MinWorkers != 2 || a.MaxWorkers != 2 || a.StartTimeout != time.Minute || a.RequestTimeout != 4*time.Minute {
		t.Errorf("workers %d..%d start %s request %s", a.MinWorkers, a.MaxWorkers, a.StartTimeout, a.RequestTimeout)
	}
	if a.ErrorLogFile != filepath.Join(dir, "log", "python.log") {
		t.Errorf("stdout log %q", a.ErrorLogFile)
	}
	wantEnv := []EnvVar{{"PYTHONPATH", ""}, {"SERVER_URL", "http://127.0.0.1:%PORT%/"}, {"GREETING", "hello"}}
	if !reflect.DeepEqual(a.Env, wantEnv) {
		t.Errorf("env %v, want %v", a.Env, wantEnv)
	}
	warningWith(t, s.Warnings, `processPath "D:\home\Python35\python.exe": running /fake/bin/python3`)
}

// TestAspNetCore: <aspNetCore> under <location path="."> runs uvicorn with the
// local Python; the log goes where stdoutLogFile says, inside the project.
func TestAspNetCore(t *testing.T) {
	s, err := load("testdata/aspnetcore", fakePython(map[string]string{"python": "3.11", "python3": "3.11"}))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("testdata/aspnetcore")
	a := s.Apps[0]
	e := s.Engines[a.Engine]
	if a.Engine != AspNetCoreEngine || e == nil || e.Protocol != "http" {
		t.Fatalf("engine %q %+v", a.Engine, e)
	}
	if e.Command != "/fake/bin/python3" || strings.Join(e.Args, " ") != "-m uvicorn main:app --port %PORT%" || e.StartRetries != DefaultPlatformRetries {
		t.Errorf("command %q args %q retries %d", e.Command, e.Args, e.StartRetries)
	}
	if a.ErrorLogFile != filepath.Join(root, "logs", "stdout") || env(a, "APP_MODE") != "iis" || a.MinWorkers != 1 || a.MaxWorkers != 1 {
		t.Errorf("log %q env %v workers %d..%d", a.ErrorLogFile, a.Env, a.MinWorkers, a.MaxWorkers)
	}
}

// TestTOMLHttpEngine: a zoo.toml engine with protocol "http" loads, with PORT
// set by default.
func TestTOMLHttpEngine(t *testing.T) {
	dir := writeProject(t, map[string]string{"zoo.toml": `[[app]]
name = "api"
engine = "uvicorn"

[engines.uvicorn]
command = "uvicorn"
args = ["main:app", "--port", "%PORT%"]
protocol = "http"
transport = "tcp"
`})
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	e := s.Engines["uvicorn"]
	if e == nil || e.Protocol != "http" || !reflect.DeepEqual(e.PortEnv, []string{"PORT"}) || s.Apps[0].Engine != "uvicorn" {
		t.Errorf("engine %+v", e)
	}
}

// TestStaticFolders: Azure's static web.config in a sub-folder and a <location>
// that removes the handler are static folders; a sub-folder web.config that
// removes some other handler is a warning, not a static folder.
func TestStaticFolders(t *testing.T) {
	static := `<configuration><system.webServer><handlers><remove name="%s"/></handlers></system.webServer></configuration>`
	dir := writeProject(t, map[string]string{
		"web.config": `<configuration>
  <appSettings><add key="WSGI_HANDLER" value="app.wsgi_app"/></appSettings>
  <system.webServer><handlers>
    <add name="PythonHandler" path="*" verb="*" modules="FastCgiModule" scriptProcessor="D:\home\Python35\python.exe|D:\home\Python35\wfastcgi.py"/>
  </handlers></system.webServer>
  <location path="media"><system.webServer><handlers><remove name="PythonHandler"/></handlers></system.webServer></location>
</configuration>`,
		"media/a.png":             "png",
		"static/web.config":       strings.Replace(static, "%s", "PythonHandler", 1),
		"assets/web.config":       strings.Replace(static, "%s", "Python27_via_FastCGI", 1),
		".venv/lib/web.config":    strings.Replace(static, "%s", "PythonHandler", 1),
		"static/img/deep/x.png":   "png",
		"node_modules/web.config": strings.Replace(static, "%s", "PythonHandler", 1),
	})
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	want := []StaticFolder{{"/media", filepath.Join(dir, "media")}, {"/static", filepath.Join(dir, "static")}}
	if !reflect.DeepEqual(s.Static, want) {
		t.Errorf("static %+v, want %+v", s.Static, want)
	}
	warningWith(t, s.Warnings, "assets/web.config:1:", `removes no handler of the app (its handler is "PythonHandler"); IIS keeps running the app for /assets`)
}

// TestDjangoSettingsPaths: the settings.py path forms Helicon's worker takes.
func TestDjangoSettingsPaths(t *testing.T) {
	for _, value := range []string{`mysite\settings.py`, `mysite/settings`, `%APPL_PHYSICAL_PATH%\mysite\settings.py`,
		`C:\inetpub\wwwroot\shop\mysite\settings.py`, "mysite.settings"} {
		dir := writeProject(t, map[string]string{"shop/mysite/settings.py": "", "web.config": heliconConfig(
			[]string{envAdd("DJANGO_SETTINGS_MODULE", strings.ReplaceAll(value, "mysite", "shop/mysite"))}, "python.3.wsgi")})
		if value == "mysite.settings" {
			dir = writeProject(t, map[string]string{"web.config": heliconConfig([]string{envAdd("DJANGO_SETTINGS_MODULE", value)}, "python.3.wsgi")})
		}
		s, err := load(dir, onlyPython3())
		if err != nil {
			t.Errorf("%s: %v", value, err)
			continue
		}
		a := s.Apps[0]
		wantPath := []string{filepath.Join(dir, "shop")}
		if value == "mysite.settings" {
			wantPath = nil
		}
		if a.DjangoSettings != "mysite.settings" || !reflect.DeepEqual(a.PythonPath, wantPath) {
			t.Errorf("%s: django %q python path %q, want mysite.settings %q", value, a.DjangoSettings, a.PythonPath, wantPath)
		}
	}
}
