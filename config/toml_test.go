package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const fullTOML = `listen = "127.0.0.1:0"

[[app]]
name = "api"
path = "/api/"
root = "src"
engine = "python.3.wsgi"
min_workers = 0
max_workers = 8
threads = 16
request_timeout = "2m"
start_timeout = "5s"

[app.env]
ZED = "first"
WSGI_APP = "api.main:app"
ALPHA = "%ZED%-then"     # an earlier variable of the app
URL = "%APPL_VIRTUAL_PATH%"

[[app]]
name = "legacy"
engine = "uwsgi.fastcgi"
min_workers = 6

[engines."uwsgi.fastcgi"]
command = "no-such-uwsgi-binary"
args = ["--fastcgi-socket", "%SOCKET%", "--wsgi-file", "app.py"]
transport = "tcp"
`

// TestFullTOML reads every zoo.toml setting, a custom engine and env order.
func TestFullTOML(t *testing.T) {
	dir := writeProject(t, map[string]string{"zoo.toml": fullTOML, "src/api/main.py": ""})
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	if s.Listen != "127.0.0.1:0" || s.Format != "zoo.toml" || s.File != filepath.Join(dir, "zoo.toml") {
		t.Errorf("site: listen %q format %q file %q", s.Listen, s.Format, s.File)
	}
	api, legacy := appByName(t, s, "api"), appByName(t, s, "legacy")
	if api.Path != "/api" || api.Root != filepath.Join(dir, "src") || api.MinWorkers != 0 || api.MaxWorkers != 8 ||
		api.Threads != 16 || api.RequestTimeout != 2*time.Minute || api.StartTimeout != 5*time.Second {
		t.Errorf("api: %+v", api)
	}
	wantEnv := []EnvVar{{"ZED", "first"}, {"WSGI_APP", "api.main:app"}, {"ALPHA", "first-then"}, {"URL", "/api"}}
	if !reflect.DeepEqual(api.Env, wantEnv) {
		t.Errorf("env = %v, want %v (file order, expanded)", api.Env, wantEnv)
	}
	if api.Python != "/fake/bin/python3" || legacy.Python != "" {
		t.Errorf("python: api %q legacy %q (custom engines have none)", api.Python, legacy.Python)
	}
	if legacy.Path != "/" || legacy.MinWorkers != 6 || legacy.MaxWorkers != 6 {
		t.Errorf("legacy: path %q workers %d..%d", legacy.Path, legacy.MinWorkers, legacy.MaxWorkers)
	}
	e := s.Engines["uwsgi.fastcgi"]
	if e == nil || e.Protocol != "fastcgi" || e.Transport != "tcp" || len(e.Args) != 4 {
		t.Fatalf("engine = %+v", e)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], `engine "uwsgi.fastcgi": command "no-such-uwsgi-binary" not found in PATH`) {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

// TestKeyLocator finds keys in headers, dotted tables, inline tables and
// after comments, in md.Keys() order.
func TestKeyLocator(t *testing.T) {
	text := "# name = \"no\"\nlisten = \"x\" # app\n[[app]]\nname = \"app\"\nenv = { A = \"1\", B = \"name\" }\n[engines.\"u.f\"]\ncommand = \"x\"\n"
	l := newKeyLocator(text)
	for _, tc := range []struct {
		key  string
		want pos
	}{{"listen", pos{2, 1}}, {"app", pos{3, 3}}, {"name", pos{4, 1}}, {"env", pos{5, 1}}, {"A", pos{5, 9}}, {"B", pos{5, 18}}, {"u.f", pos{6, 10}}, {"command", pos{7, 1}}} {
		if got := l.find(tc.key); got != tc.want {
			t.Errorf("find(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

// TestBothFiles prefers zoo.toml and says so.
func TestBothFiles(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"zoo.toml":   "[[app]]\nname = \"from-toml\"\nenv = { WSGI_APP = \"a.b\" }\n",
		"web.config": heliconConfig([]string{envAdd("WSGI_APP", "a.b")}, "python.3.wsgi"),
	})
	s, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	if s.Apps[0].Name != "from-toml" || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "using zoo.toml") {
		t.Errorf("app %q warnings %q", s.Apps[0].Name, s.Warnings)
	}
	s, err = load(filepath.Join(dir, "web.config"), onlyPython3())
	if err != nil || s.Apps[0].Name != "app" || len(s.Warnings) != 0 {
		t.Errorf("explicit web.config: %v %v", err, s)
	}
}
