package config

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDesignWebConfig loads Helicon Zoo's web.config (testdata/design) unchanged, on this
// machine's real Python: PYTHONPATH becomes native absolute paths and
// python.2.7.wsgi runs on Python 3 with a warning.
func TestDesignWebConfig(t *testing.T) {
	needPython3(t)
	if runtime.GOOS == "windows" {
		t.Skip("checks unix path conversion")
	}
	t.Setenv("PYTHONPATH", "")
	t.Setenv("VIRTUAL_ENV", "")
	s, err := Load("testdata/design")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("testdata/design")
	if len(s.Apps) != 1 {
		t.Fatalf("%d apps, want 1 (the x86/x64 pair is one app)", len(s.Apps))
	}
	a := s.Apps[0]
	want := []string{root, filepath.Join(root, "python_modules", "Lib", "site-packages")}
	if !reflect.DeepEqual(a.PythonPath, want) {
		t.Errorf("PythonPath = %q, want %q", a.PythonPath, want)
	}
	if v, _ := lookupEnv(a.Env, "PYTHONPATH"); v != strings.Join(want, ":") {
		t.Errorf("env PYTHONPATH = %q, want the native list with no empty element", v)
	}
	if a.Name != "WSGI.project" || a.Engine != "python.2.7.wsgi" || a.Path != "/" || a.Root != root {
		t.Errorf("app = %q %q %q %q", a.Name, a.Engine, a.Path, a.Root)
	}
	if a.WSGIApp != "wsgi.application" || a.DeployFile != filepath.Join(root, "deploy.py") || a.ErrorLogDir != filepath.Join(root, "log") {
		t.Errorf("settings: wsgi %q deploy %q errors %q", a.WSGIApp, a.DeployFile, a.ErrorLogDir)
	}
	if !filepath.IsAbs(a.Python) {
		t.Errorf("Python = %q, want an absolute path", a.Python)
	}
	if exec.Command("python2.7", "-c", "pass").Run() == nil {
		t.Skip("python2.7 is installed here: no fallback warning to check")
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "python2.7 is not installed; using ") ||
		!strings.Contains(s.Warnings[0], "(Python 3.") || !strings.Contains(s.Warnings[0], `application "WSGI.project"`) {
		t.Errorf("warnings = %q, want one about python2.7 falling back to Python 3", s.Warnings)
	}
}

// TestPythonPathFromProcess checks that %PYTHONPATH% takes the process's value
// and that ';' lists and '\' paths become native.
func TestPythonPathFromProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("checks unix path conversion")
	}
	t.Setenv("PYTHONPATH", "/opt/lib:/srv/lib")
	dir := writeProject(t, map[string]string{"web.config": heliconConfig([]string{
		envAdd("PYTHONPATH", `%APPL_PHYSICAL_PATH%;;src\pkg;%PYTHONPATH%;C:\Python27\Lib`),
		envAdd("WSGI_APP", "wsgi.application"),
	}, "python.3.wsgi")})
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	a := s.Apps[0]
	want := []string{dir, filepath.Join(dir, "src", "pkg"), "/opt/lib", "/srv/lib"}
	if !reflect.DeepEqual(a.PythonPath, want) {
		t.Errorf("PythonPath = %q, want %q", a.PythonPath, want)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], `Windows path "C:\Python27\Lib" ignored`) {
		t.Errorf("warnings = %q, want one about the drive path", s.Warnings)
	}
}

// TestWfastcgi reads Microsoft's wfastcgi form amid unrelated IIS settings.
func TestWfastcgi(t *testing.T) {
	s, err := load("testdata/wfastcgi/web.config", fakePython(map[string]string{"python3": "3.11", "python3.6": ""}))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("testdata/wfastcgi")
	a := s.Apps[0]
	if len(s.Apps) != 1 || a.Name != "Python FastCGI" || a.Engine != WfastcgiEngine || a.WSGIApp != "app.app" {
		t.Fatalf("apps = %d, first %q engine %q wsgi %q", len(s.Apps), a.Name, a.Engine, a.WSGIApp)
	}
	if a.ErrorLogFile != filepath.Join(root, "logs", "wfastcgi.log") || a.ErrorLogDir != filepath.Join(root, "logs") {
		t.Errorf("log file %q dir %q", a.ErrorLogFile, a.ErrorLogDir)
	}
	if a.WatchRegex != `.*((\.py)|(\.config))$` || len(a.WatchMasks) != 0 {
		t.Errorf("watch regex %q masks %q", a.WatchRegex, a.WatchMasks)
	}
	if a.Python != "/fake/bin/python3" {
		t.Errorf("Python = %q", a.Python)
	}
	names := []string{}
	for _, e := range a.Env {
		names = append(names, e.Name)
	}
	if strings.Join(names, " ") != "WSGI_HANDLER PYTHONPATH WSGI_LOG WSGI_RESTART_FILE_REGEX" {
		t.Errorf("env names %q, want the appSettings in order", names)
	}
	warn := strings.Join(s.Warnings, "\n")
	if !strings.Contains(warn, "python3.6 is not installed") || !strings.Contains(warn, `Windows path "C:\inetpub\wwwroot\myapp" ignored`) {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

// TestWfastcgiDjango maps wfastcgi's Django handler to DJANGO_SETTINGS_MODULE.
func TestWfastcgiDjango(t *testing.T) {
	dir := writeProject(t, map[string]string{"web.config": `<configuration><appSettings>
<add key="WSGI_HANDLER" value="django.core.wsgi.get_wsgi_application()" />
<add key="DJANGO_SETTINGS_MODULE" value="mysite.settings" />
</appSettings><system.webServer><handlers>
<add name="Django" modules="FastCgiModule" scriptProcessor="c:\python39\python.exe|c:\python39\lib\site-packages\wfastcgi.py" />
</handlers></system.webServer></configuration>`})
	s, err := load(dir, fakePython(map[string]string{"python3": "3.9"}))
	if err != nil {
		t.Fatal(err)
	}
	if a := s.Apps[0]; a.WSGIApp != "" || a.DjangoSettings != "mysite.settings" || len(s.Warnings) != 0 {
		t.Errorf("wsgi %q django %q warnings %q", a.WSGIApp, a.DjangoSettings, s.Warnings)
	}
}

// TestSeveralApps reads two apps from one file: one at the site root with an
// x86/x64 pair, one under <location path="blog"> with its own folder.
func TestSeveralApps(t *testing.T) {
	s, err := load("testdata/multi", fakePython(map[string]string{"python3": "3.11", "python3.11": "3.11"}))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("testdata/multi")
	if len(s.Apps) != 2 {
		t.Fatalf("%d apps, want 2", len(s.Apps))
	}
	site, blog := appByName(t, s, "site"), appByName(t, s, "blog")
	if site.Path != "/" || site.Root != root || site.MinWorkers != 2 || site.MaxWorkers != 6 || site.WSGIApp != "site_app:application" {
		t.Errorf("site: path %q root %q workers %d..%d wsgi %q", site.Path, site.Root, site.MinWorkers, site.MaxWorkers, site.WSGIApp)
	}
	if !reflect.DeepEqual(site.WatchMasks, []string{"*.py", "*.html", "*.css"}) {
		t.Errorf("masks %q", site.WatchMasks)
	}
	if v, _ := lookupEnv(site.Env, "GREETING"); v != "hello from /" {
		t.Errorf("GREETING = %q", v)
	}
	blogRoot := filepath.Join(root, "blog")
	if blog.Path != "/blog" || blog.Root != blogRoot || blog.Engine != "python.3.11.wsgi" || blog.DjangoSettings != "blog.settings" {
		t.Errorf("blog: path %q root %q engine %q django %q", blog.Path, blog.Root, blog.Engine, blog.DjangoSettings)
	}
	if blog.DeployLog != filepath.Join(blogRoot, "log", "deploy.log") || blog.MinWorkers != 1 || blog.MaxWorkers != 4 {
		t.Errorf("blog deploy log %q workers %d..%d", blog.DeployLog, blog.MinWorkers, blog.MaxWorkers)
	}
	if v, _ := lookupEnv(blog.Env, "HOME_URL"); v != "/blog/" {
		t.Errorf("HOME_URL = %q", v)
	}
	if v, _ := lookupEnv(blog.Env, "STATIC_ROOT"); v != filepath.Join(blogRoot, "static") {
		t.Errorf("STATIC_ROOT = %q, want a native path (the value starts with %%APPL_PHYSICAL_PATH%%)", v)
	}
	if blog.Threads != DefaultThreads || blog.RequestTimeout != 60*time.Second || blog.StartTimeout != 30*time.Second {
		t.Errorf("defaults: threads %d timeouts %s %s", blog.Threads, blog.RequestTimeout, blog.StartTimeout)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings %q", s.Warnings)
	}
}

// TestUnservedApplication warns about an <application> no handler serves.
func TestUnservedApplication(t *testing.T) {
	cfg := strings.Replace(heliconConfig([]string{envAdd("WSGI_APP", "a.b")}, "python.3.wsgi"),
		"</heliconZoo>", "<application name=\"old\"></application></heliconZoo>", 1)
	s, err := load(writeProject(t, map[string]string{"web.config": cfg}), onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], `application "old": no handler`) {
		t.Errorf("warnings %q", s.Warnings)
	}
}

// TestBOMAndCharset reads a web.config saved by Notepad (BOM, declared charset).
func TestBOMAndCharset(t *testing.T) {
	cfg := "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n" + heliconConfig([]string{envAdd("WSGI_APP", "a.b")}, "python.3.wsgi")
	dir := writeProject(t, map[string]string{"web.config": cfg})
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Apps) != 1 || s.Apps[0].WSGIApp != "a.b" {
		t.Errorf("apps %+v", s.Apps)
	}
}
