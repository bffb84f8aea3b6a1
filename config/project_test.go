package config

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameApps compares two sites' apps and listen address, everything but where
// they came from.
func sameApps(t *testing.T, a, b *Site) {
	t.Helper()
	if a.Listen != b.Listen {
		t.Errorf("listen %q vs %q", a.Listen, b.Listen)
	}
	if len(a.Apps) != len(b.Apps) {
		t.Fatalf("%d apps vs %d", len(a.Apps), len(b.Apps))
	}
	for i := range a.Apps {
		if !reflect.DeepEqual(a.Apps[i], b.Apps[i]) {
			ja, _ := json.Marshal(a.Apps[i])
			jb, _ := json.Marshal(b.Apps[i])
			t.Errorf("app %d differs:\n%s\n%s", i, ja, jb)
		}
	}
}

// TestSampleFormsAgree: the sample's web.config and zoo.toml resolve to the same apps.
func TestSampleFormsAgree(t *testing.T) {
	t.Setenv("PYTHONPATH", "")
	web, err := load("../sample/web.config", onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	toml, err := load("../sample/zoo.toml", onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	sameApps(t, web, toml)
	if len(web.Warnings)+len(toml.Warnings) != 0 {
		t.Errorf("warnings %q %q", web.Warnings, toml.Warnings)
	}
	if web.Format != WebConfigName || toml.Format != TOMLName {
		t.Errorf("formats %q %q", web.Format, toml.Format)
	}
}

// TestInit writes the starter, which loads, and refuses to write it twice.
func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "project")
	if err := Init(dir, sampleFS); err != nil {
		t.Fatal(err)
	}
	for _, name := range StarterFiles {
		want, _ := fs.ReadFile(sampleFS, name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) || len(got) == 0 {
			t.Errorf("%s: %v (%d bytes)", name, err, len(got))
		}
	}
	web, err := load(filepath.Join(dir, WebConfigName), onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	toml, err := load(dir, onlyPython3())
	if err != nil {
		t.Fatal(err)
	}
	sameApps(t, web, toml)
	if err := os.WriteFile(filepath.Join(dir, "wsgi.py"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = Init(dir, sampleFS)
	if err == nil || !strings.Contains(err.Error(), "wsgi.py already exists") {
		t.Errorf("second Init = %v, want a refusal", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "wsgi.py")); string(got) != "mine" {
		t.Errorf("Init overwrote wsgi.py")
	}
}

// TestStarterRuns imports the starter app, calls it as a WSGI server would,
// and runs deploy.py, with the machine's real python3.
func TestStarterRuns(t *testing.T) {
	needPython3(t)
	dir := t.TempDir()
	if err := Init(dir, sampleFS); err != nil {
		t.Fatal(err)
	}
	s, err := Load(filepath.Join(dir, "web.config"))
	if err != nil {
		t.Fatal(err)
	}
	py := s.Apps[0].Python
	out, err := runPython(py, dir, "deploy.py")
	if err != nil || !strings.Contains(out, "database ready, 0 notes") {
		t.Fatalf("deploy.py: %v\n%s", err, out)
	}
	out, err = runPython(py, dir, "-c", `
import io, sys, wsgiref.util, wsgiref.validate, wsgi
def call(method, body=b""):
    env = {"REQUEST_METHOD": method, "PATH_INFO": "/", "SCRIPT_NAME": "", "CONTENT_LENGTH": str(len(body)),
           "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.input": io.BytesIO(body)}
    wsgiref.util.setup_testing_defaults(env)
    status = []
    app = wsgiref.validate.validator(wsgi.application)
    it = app(env, lambda s, h, e=None: status.append(s) or (lambda b: None))
    data = b"".join(it); it.close()
    return status[0], data.decode()
print(call("POST", b"text=hello+zoo")[0])
status, page = call("GET")
print(status, "hello zoo" in page, "Set by zoo-dev" in page)
`)
	if err != nil || !strings.Contains(out, "303 See Other") || !strings.Contains(out, "200 OK True True") {
		t.Fatalf("wsgi.py: %v\n%s", err, out)
	}
}

// TestWriteText and JSON show the resolved settings.
func TestWriteOutput(t *testing.T) {
	s, err := load("testdata/multi", fakePython(map[string]string{"python3": "3.11", "python3.11": "3.11"}))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen            http://127.0.0.1:8080/", `application "blog"`, "  path            /blog\n",
		"  workers         2 to 6, 4 threads each", "  watch masks     *.py *.html *.css", "  django          blog.settings",
		"  env             WSGI_APP=site_app:application\n                  WATCH_FILE_CHANGES_MASK="} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := s.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Listen string `json:"listen"`
		Apps   []struct {
			Name           string   `json:"name"`
			RequestTimeout string   `json:"request_timeout"`
			Env            []EnvVar `json:"env"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Listen != DefaultListen || len(got.Apps) != 2 || got.Apps[1].Name != "blog" || got.Apps[0].RequestTimeout != "1m0s" || len(got.Apps[1].Env) != 4 {
		t.Errorf("json = %+v", got)
	}
}

// sampleFS is the sample project, which the binary embeds as the starter.
var sampleFS = os.DirFS(filepath.Join("..", "sample"))
