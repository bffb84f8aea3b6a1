package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// A custom engine from zoo.toml (uWSGI with its FastCGI socket) is started by the
// built binary and serves a request through zoo-dev's HTTP front.
func TestCustomEngineServesThroughZooDev(t *testing.T) {
	if _, err := exec.LookPath("uwsgi"); err != nil {
		testtool.Missing(t, "uwsgi not installed")
	}
	dir := t.TempDir()
	files := map[string]string{
		"zoo.toml": `[[app]]
name = "uw"
engine = "uwsgi.fastcgi"

[engines."uwsgi.fastcgi"]
command = "uwsgi"
args = ["--plugin", "python3", "--fastcgi-socket", "%SOCKET%", "--wsgi-file", "app.py", "--master", "--die-on-term"]
`,
		"app.py": "def application(environ, start_response):\n" +
			"    start_response('200 OK', [('Content-Type', 'text/plain')])\n" +
			"    return [b'served by uwsgi at ' + environ['PATH_INFO'].encode()]\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`\[uw\] state RUNNING`), 30*time.Second)
	if code, body := z.get("/hello"); code != 200 || body != "served by uwsgi at /hello" {
		t.Fatalf("GET /hello = %d %q, want 200 from uWSGI", code, body)
	}
}
