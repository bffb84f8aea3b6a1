package fcgi

import (
	"errors"
	"fmt"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPythonWorkerKilledMidRequest(t *testing.T) {
	fx := startPyFixture(t, "testapp:application")
	pr, pw := io.Pipe()
	defer pw.Close()
	r, _ := http.NewRequest("POST", "http://test/echo", nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := fx.pool.Do(testCtx(t, 30*time.Second), &Request{Params: BuildParams(r, ""), Body: pr, ContentLength: 10})
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	// The write returns once the pool took the bytes: the request holds a
	// slot and the app waits for the rest of its body, before any header.
	pw.Write([]byte("12345"))
	var victim *child
	for _, st := range fx.pool.Stats() {
		for _, w := range fx.workers {
			if st.InFlight == 1 && st.ID == w.pid() {
				victim = w
			}
		}
	}
	if victim == nil {
		t.Fatalf("no worker has the request: %+v", fx.pool.Stats())
	}
	victim.kill()
	if err := <-errc; StatusFor(err) != http.StatusBadGateway || !errors.Is(err, ErrBackendClosed) {
		t.Fatalf("request on a killed worker: %v (status %d), want ErrBackendClosed and 502", err, StatusFor(err))
	}
	fx.pool.Remove(victim.pid())
	repl := startWorker(t, "testapp:application", 4)
	fx.pool.Add(repl.pid(), "unix", repl.sock, 4, true)
	for i := range 20 {
		body := fmt.Sprintf("after %d", i)
		resp, got := do(t, "POST", fx.root.URL+"/echo", strings.NewReader(body), nil)
		if resp.StatusCode != 200 || string(got) != body {
			t.Fatalf("request %d after the crash: %d %q", i, resp.StatusCode, got)
		}
	}
	for _, st := range fx.pool.Stats() {
		if st.ID == repl.pid() && st.Served == 0 {
			t.Errorf("the replacement worker served nothing: %+v", fx.pool.Stats())
		}
	}
}

func TestPythonWorkerUnderValidator(t *testing.T) {
	fx := startPyFixture(t, "testapp:validated")
	tests := []struct {
		method, path, body string
		status             int
		want               string // a prefix of the body
	}{
		{"GET", "/env", "", 200, "{"},
		{"POST", "/echo", "validated body", 200, "validated body"},
		{"POST", "/upload", "abc", 200, "bytes=3 "},
		{"GET", "/stream?n=3", "", 200, "chunk 0\nchunk 1\nchunk 2\n"},
		{"GET", "/write", "", 200, "one two three"},
		{"GET", "/file", "", 200, `"""A WSGI test app`},
		{"GET", "/download?size=100000", "", 200, "\x00\x01\x02"},
		{"GET", "/exc_info", "", 500, "handled: ValueError"},
		{"GET", "/missing", "", 404, "not found: /missing"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, b := do(t, tt.method, fx.root.URL+tt.path, strings.NewReader(tt.body), nil)
			if resp.StatusCode != tt.status || !strings.HasPrefix(string(b), tt.want) {
				t.Errorf("got %d %.60q, want %d %.60q", resp.StatusCode, b, tt.status, tt.want)
			}
		})
	}
	for _, w := range fx.workers {
		out := w.out.Text()
		for _, bad := range []string{"Traceback", "AssertionError", "WSGIWarning"} {
			if strings.Contains(out, bad) {
				t.Errorf("worker %d output has %s:\n%s", w.pid(), bad, out)
			}
		}
	}
}

// TestUWSGIPeer serves through uWSGI's --fastcgi-socket, which ignores
// FCGI_KEEP_CONN and closes the connection after every response.
func TestUWSGIPeer(t *testing.T) {
	uwsgi, err := exec.LookPath("uwsgi")
	if err != nil {
		testtool.Missing(t, "uwsgi not installed")
	}
	sock := filepath.Join(shortTempDir(t), "u.sock")
	c := startChild(t, exec.Command(uwsgi, "--plugin", "python3", "--fastcgi-socket", sock,
		"--chdir", appsDir, "--wsgi-file", filepath.Join(appsDir, "testapp.py"), "--callable", "application",
		"--threads", "2", "--disable-logging"))
	if out := c.out.Text(); strings.Contains(out, "unable to load plugin") {
		testtool.Missing(t, "uwsgi python3 plugin missing")
	}
	c.out.WaitFor(t, "spawned uWSGI worker", 30*time.Second)
	p := NewPool(Options{})
	t.Cleanup(p.Close)
	p.Add(c.pid(), "unix", sock, 2, false) // uWSGI ignores FCGI_KEEP_CONN
	f := startFront(t, p, "")
	const n = 20
	for i := range n {
		resp, b := do(t, "GET", fmt.Sprintf("%s/echo?i=%d", f.URL, i), nil, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-Query") != fmt.Sprintf("i=%d", i) {
			t.Fatalf("GET %d: %d %q %v", i, resp.StatusCode, b, resp.Header)
		}
		body := fmt.Sprintf("posted %d", i)
		resp, b = do(t, "POST", f.URL+"/echo", strings.NewReader(body), nil)
		if resp.StatusCode != 200 || string(b) != body {
			t.Fatalf("POST %d: %d %q", i, resp.StatusCode, b)
		}
	}
	if err := p.Drain(testCtx(t, 10*time.Second)); err != nil { // the last request's slot is given back after its answer
		t.Fatal(err)
	}
	st := p.Stats()[0]
	if st.Served != 2*n || st.Errors != 0 || st.Open != 0 {
		t.Errorf("stats %+v, want %d served without errors and no connection kept", st, 2*n)
	}
	t.Logf("uwsgi: %+v", st)
}
