package host

import (
	"context"
	"io"
	"net/http/httptest"
	"os/exec"
	"testing"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// requireTool skips when a tool CI installs is missing here, and fails in CI.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testtool.Missing(t, "%s not installed", name)
	}
	return p
}

// A custom engine from zoo.toml (uWSGI with its FastCGI socket) is started, found
// ready when its socket accepts, and answers a request through zoo-dev's FastCGI pool.
func TestCustomEngineUWSGI(t *testing.T) {
	t.Parallel()
	uwsgi := requireTool(t, "uwsgi")
	a := testApp(t, map[string]string{"app.py": okApp})
	a.Engine, a.Python = "uwsgi.fastcgi", ""
	e := &config.Engine{Command: uwsgi, Protocol: "fastcgi", Transport: "unix",
		Args: []string{"--plugin", "python3", "--fastcgi-socket", "%SOCKET%", "--wsgi-file", "app.py", "--master", "--die-on-term"}}
	bus := event.NewBus()
	front := newFakeFront()
	site := &config.Site{Apps: []*config.App{a}, Engines: map[string]*config.Engine{a.Engine: e}}
	startHost(t, site, bus, front)
	s := waitServe(t, front)
	if len(s.workers) != 1 {
		t.Fatalf("Serve listed %d workers, want 1", len(s.workers))
	}
	pool := fcgi.NewPool(fcgi.Options{})
	defer pool.Close()
	w := s.workers[0]
	pool.Add(w.PID, w.Network, w.Address, w.MaxConns, w.KeepConn)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	resp, err := pool.Do(ctx, &fcgi.Request{Params: fcgi.BuildParams(httptest.NewRequest("GET", "/", nil), "")})
	if err != nil {
		t.Fatalf("request through uWSGI: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("uWSGI answered %d %q (%v), want 200 \"ok\"", resp.StatusCode, body, err)
	}
}
