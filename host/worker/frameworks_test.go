package worker

import (
	"github.com/zoo-dev/zoo-dev/internal/testtool"
	"net/url"
	"os/exec"
	"testing"
)

// Real Flask and Django apps run unchanged (Debian's python3-flask and python3-django under
// /usr/bin/python3; skipped where they are missing).
func TestFrameworks(t *testing.T) {
	const py = "/usr/bin/python3"
	tests := []struct {
		name, module string
		opts         workerOpts
	}{
		{"flask", "flask", workerOpts{app: "flaskapp:app", python: py}},
		{"django", "django", workerOpts{django: "djsite", python: py}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if exec.Command(py, "-c", "import "+tc.module).Run() != nil {
				testtool.Missing(t, "%s under %s is missing", tc.module, py)
			}
			p := startWorker(t, tc.opts)
			f := dial(t, p.bind)
			routes := []route{
				{method: "GET", uri: "/hello", code: 200, want: tc.name + " ok"},
				{method: "GET", uri: "/u/" + "üñí", code: 200, want: "hello üñí"},
			}
			for _, rt := range routes {
				runRoute(t, f, rt)
			}
			form := url.Values{"a": {"x y ü"}}.Encode()
			f.begin(1, true)
			pairs := append(params("POST", "/form", len(form)), [2]string{"CONTENT_TYPE", "application/x-www-form-urlencoded"},
				[2]string{"HTTP_HOST", "localhost"})
			f.stream(typeParams, 1, encodePairs(pairs), 0, 0)
			f.stream(typeStdin, 1, []byte(form), 0, 0)
			if code, _, body := f.readResponse(1).parse(t); code != 200 || string(body) != "x y ü" {
				t.Fatalf("POST /form: %d %q", code, body)
			}
		})
	}
}
