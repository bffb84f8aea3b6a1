package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiscover(t *testing.T) {
	t.Setenv("FLASK_APP", "")
	cases := []struct {
		name  string
		files map[string]string
		flask string
		what  string
		err   string
	}{
		{"flask app.py", map[string]string{"app.py": "from flask import Flask\napp = Flask(__name__)\n"}, "",
			"Flask app app:app from app.py", ""},
		{"factory", map[string]string{"app.py": "from flask import Flask\n\ndef create_app(test_config=None):\n    return Flask(__name__)\n"}, "",
			"Flask app app:create_app() from app.py", ""},
		{"wsgi.py first, application", map[string]string{"wsgi.py": "def application(e, s):\n    pass\n", "app.py": "app = 1\n"}, "",
			"WSGI app wsgi:application from wsgi.py", ""},
		{"django", map[string]string{"manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n", "wsgi.py": "application = 1\n"}, "",
			"Django project mysite.settings from manage.py", ""},
		{"FLASK_APP package", map[string]string{"flaskr/__init__.py": "def create_app():\n    pass\n"}, "flaskr",
			"Flask app flaskr:create_app() from FLASK_APP=flaskr", ""},
		{"FLASK_APP with attr", map[string]string{}, "hello.py:make()", "Flask app hello:make() from FLASK_APP=hello.py:make()", ""},
		{"indented app is not top level", map[string]string{"app.py": "def f():\n    app = 1\n"}, "", "", "no app found (looked for manage.py"},
		{"nothing", map[string]string{"README": "hi"}, "", "", "no app found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range c.files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
				os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
			}
			t.Setenv("FLASK_APP", c.flask)
			f, err := Discover(dir)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line with %q", err, c.err)
				}
				return
			}
			if err != nil || f.What() != c.what {
				t.Fatalf("found %v (%v), want %q", f, err, c.what)
			}
		})
	}
}

// The zoo.toml and web.config that init writes for a found app load to the same app.
func TestFoundConfigsLoad(t *testing.T) {
	f := &Found{Dir: t.TempDir(), Name: "my app", File: "app.py", Kind: "Flask", WSGIApp: "app:create_app()"}
	toml, err := loadBytes(filepath.Join(f.Dir, TOMLName), f.TOML(), onlyPython3())
	if err != nil {
		t.Fatalf("zoo.toml: %v\n%s", err, f.TOML())
	}
	web, err := loadBytes(filepath.Join(f.Dir, WebConfigName), f.WebConfig(), onlyPython3())
	if err != nil {
		t.Fatalf("web.config: %v\n%s", err, f.WebConfig())
	}
	for _, s := range []*Site{toml, web} {
		a := s.Apps[0]
		if a.WSGIApp != "app:create_app()" || strings.Join(a.WatchMasks, " ") != "*.py" || a.Name != "my-app" && a.Name != "my app" {
			t.Errorf("%s: app %q watch %q name %q", s.Format, a.WSGIApp, a.WatchMasks, a.Name)
		}
	}
}

// Reload on save is on by default; an explicit empty WATCH_FILE_CHANGES_MASK turns it off,
// and a set one keeps its meaning.
func TestWatchDefault(t *testing.T) {
	for _, c := range []struct{ env, want string }{
		{"", "*.py"},
		{"WATCH_FILE_CHANGES_MASK = \"\"\n", ""},
		{"WATCH_FILE_CHANGES_MASK = \"*.html\"\n", "*.html"},
	} {
		dir := t.TempDir()
		toml := "[[app]]\nname = \"a\"\n[app.env]\nWSGI_APP = \"app:app\"\n" + c.env
		s, err := loadBytes(filepath.Join(dir, TOMLName), []byte(toml), onlyPython3())
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(s.Apps[0].WatchMasks, " "); got != c.want {
			t.Errorf("%q: masks %q, want %q", c.env, got, c.want)
		}
	}
}
