package main

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// systemPython is Debian's interpreter, where python3-flask and python3-django live;
// the python3 on PATH may have neither.
const systemPython = "/usr/bin/python3"

// needModule skips (or, in CI, fails) a test whose framework is not installed.
func needModule(t *testing.T, module string) {
	t.Helper()
	if exec.Command(systemPython, "-c", "import "+module).Run() != nil {
		testtool.Missing(t, "%s under %s is missing", module, systemPython)
	}
}

// treeSums is every file under dir with a hash of its content.
func treeSums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const flaskApp = `from flask import Flask

app = Flask(__name__)
TEXT = "flask says v1"


@app.route("/")
def index():
    return TEXT
`

const wsgiApp = `TEXT = "plain wsgi says v1"


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [TEXT.encode()]
`

const flaskFactory = `from flask import Flask

TEXT = "factory says v1"


def create_app(test_config=None):
    app = Flask(__name__)

    @app.route("/")
    def index():
        return TEXT

    return app
`

// byoProject is a folder as a developer has it: no zoo-dev file in it.
type byoProject struct {
	name     string
	module   string                         // the framework it needs under systemPython
	make     func(t *testing.T, dir string) // writes the project
	file     string                         // the file a save changes
	path     string                         // the page that shows the text
	found    string                         // what zoo-dev says it serves
	v1, v2   string
	pinned   string // a line the zoo.toml from init holds
	admincss bool
}

var byoProjects = []byoProject{
	{name: "flask app.py", module: "flask", file: "app.py", path: "/",
		make:  func(t *testing.T, dir string) { testtool.WriteFiles(t, dir, map[string]string{"app.py": flaskApp}) },
		found: "serving the Flask app app:app from app.py", v1: "flask says v1", v2: "flask says v2",
		pinned: `WSGI_APP = "app:app"`},
	{name: "flask app factory", module: "flask", file: "app.py", path: "/",
		make:  func(t *testing.T, dir string) { testtool.WriteFiles(t, dir, map[string]string{"app.py": flaskFactory}) },
		found: "serving the Flask app app:create_app() from app.py", v1: "factory says v1", v2: "factory says v2",
		pinned: `WSGI_APP = "app:create_app()"`},
	{name: "wsgi.py folder", module: "os", file: "wsgi.py", path: "/",
		make:  func(t *testing.T, dir string) { testtool.WriteFiles(t, dir, map[string]string{"wsgi.py": wsgiApp}) },
		found: "serving the WSGI app wsgi:application from wsgi.py", v1: "plain wsgi says v1", v2: "plain wsgi says v2",
		pinned: `WSGI_APP = "wsgi:application"`},
	{name: "django startproject", module: "django", file: "mysite/urls.py", path: "/hello/",
		make: func(t *testing.T, dir string) {
			if _, err := exec.LookPath("django-admin"); err != nil {
				testtool.Missing(t, "django-admin not installed")
			}
			if out, err := exec.Command("django-admin", "startproject", "mysite", dir).CombinedOutput(); err != nil {
				t.Fatalf("django-admin startproject: %v\n%s", err, out)
			}
			urls := filepath.Join(dir, "mysite", "urls.py")
			b, err := os.ReadFile(urls)
			if err != nil {
				t.Fatal(err)
			}
			src := strings.Replace(string(b), "urlpatterns = [",
				"from django.http import HttpResponse\nTEXT = \"django says v1\"\n\nurlpatterns = [\n    path('hello/', lambda request: HttpResponse(TEXT)),", 1)
			if err := os.WriteFile(urls, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		found: "serving the Django project mysite.settings from manage.py", v1: "django says v1", v2: "django says v2",
		pinned: `DJANGO_SETTINGS_MODULE = "mysite.settings"`, admincss: true},
}

// A project with no config starts as it is, says what it serves and how to pin it,
// reloads on save; init then writes a zoo.toml for it and touches nothing else.
func TestBringYourOwnApp(t *testing.T) {
	for _, p := range byoProjects {
		t.Run(p.name, func(t *testing.T) {
			needModule(t, p.module)
			dir := t.TempDir()
			p.make(t, dir)

			z := startZoo(t, "--python", systemPython, dir)
			z.waitLine(regexp.MustCompile(regexp.QuoteMeta(p.found)+`.*zoo-dev init .* pins it as zoo.toml`), 10*time.Second)
			z.waitLine(regexp.MustCompile(`watching .* for \*\.py .*WATCH_FILE_CHANGES_MASK = "" turns reload on save off`), 10*time.Second)
			z.waitLine(regexp.MustCompile(`state RUNNING`), 60*time.Second)
			if code, body := z.get(p.path); code != 200 || !strings.Contains(body, p.v1) {
				t.Fatalf("GET %s: %d %.300q, want %q", p.path, code, body, p.v1)
			}
			if p.admincss {
				code, body := z.get("/static/admin/css/base.css")
				if code != 200 || !strings.Contains(body, "body") {
					t.Fatalf("Django admin CSS: %d %.100q", code, body)
				}
			}
			src, err := os.ReadFile(filepath.Join(dir, p.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, p.file), []byte(strings.Replace(string(src), p.v1, p.v2, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			z.waitReloads(1)
			if code, body := z.get(p.path); code != 200 || !strings.Contains(body, p.v2) {
				t.Fatalf("after the save: %d %.300q, want %q", code, body, p.v2)
			}

			before := treeSums(t, dir)
			out, err := exec.Command(zooBin, "init", dir).CombinedOutput()
			if err != nil {
				t.Fatalf("zoo-dev init: %v\n%s", err, out)
			}
			after := treeSums(t, dir)
			toml, err := os.ReadFile(filepath.Join(dir, "zoo.toml"))
			if err != nil || !strings.Contains(string(toml), p.pinned) {
				t.Fatalf("zoo.toml after init (%v):\n%s", err, toml)
			}
			delete(after, "zoo.toml")
			if len(after) != len(before) {
				t.Errorf("init wrote more than zoo.toml: %d files before, %d after", len(before), len(after))
			}
			for name, sum := range before {
				if after[name] != sum {
					t.Errorf("init changed or removed %s", name)
				}
			}
			out, err = exec.Command(zooBin, "check", dir).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "zoo.toml") {
				t.Fatalf("zoo-dev check on the pinned project: %v\n%s", err, out)
			}
		})
	}
}

// init --web-config writes the Helicon Zoo form, which loads; a folder with
// nothing to serve gets one line saying what was looked for.
func TestInitWebConfigAndNothingFound(t *testing.T) {
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, map[string]string{"wsgi.py": wsgiApp})
	if out, err := exec.Command(zooBin, "init", "--web-config", dir).CombinedOutput(); err != nil {
		t.Fatalf("zoo-dev init --web-config: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "zoo.toml")); err == nil {
		t.Fatal("init --web-config also wrote zoo.toml")
	}
	out, err := exec.Command(zooBin, "check", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "wsgi:application") {
		t.Fatalf("check on the web.config from init: %v\n%s", err, out)
	}

	empty := t.TempDir()
	testtool.WriteFiles(t, empty, map[string]string{"notes.txt": "nothing to serve"})
	out, err = exec.Command(zooBin, "--no-tui", "--listen", "127.0.0.1:0", empty).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err == nil || len(lines) != 1 || !strings.Contains(lines[0], "manage.py (Django), FLASK_APP, wsgi.py or app.py") {
		t.Fatalf("zoo-dev in a folder with no app: %v, want one line naming what it looked for:\n%s", err, out)
	}
	out, err = exec.Command(zooBin, "init", empty).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "init --sample") {
		t.Fatalf("init in a folder with no app: %v %s", err, out)
	}
}
