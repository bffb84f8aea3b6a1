package host

import (
	"net"
	"os/exec"
	"testing"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
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
// ready when its socket accepts, and served.
func TestCustomEngineUWSGI(t *testing.T) {
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
	c, err := net.Dial(s.workers[0].Network, s.workers[0].Address)
	if err != nil {
		t.Fatalf("uWSGI socket: %v", err)
	}
	c.Close()
}
