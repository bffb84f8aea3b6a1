package host

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// portServer is an HTTP server in the standard library's Python that listens on
// the port given as its argument and answers with the port variables it was given.
const portServer = `import http.server, os, sys
print("serving on", sys.argv[1], flush=True)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = " ".join(os.environ.get(k, "-") for k in ("HTTP_PLATFORM_PORT", "ASPNETCORE_PORT", "PORT", "MY_PORT")).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
`

// httpEngineApp is an app served by an http engine that runs script with python3.
func httpEngineApp(t *testing.T, script string, tweak func(*config.Engine)) (*config.Site, *config.App) {
	t.Helper()
	py := testtool.Python3(t)
	a := testApp(t, map[string]string{"server.py": script})
	a.Engine, a.Python, a.StartTimeout = "py.http", "", 20*time.Second
	e := &config.Engine{Command: py, Args: []string{"server.py", "%HTTP_PLATFORM_PORT%"}, Protocol: "http"}
	if tweak != nil {
		tweak(e)
	}
	return &config.Site{Apps: []*config.App{a}, Engines: map[string]*config.Engine{a.Engine: e}}, a
}

// An http engine's process gets one free port in its arguments and in the port
// variables, those the engine names included, is served once that port accepts,
// and its output reaches the log.
func TestHTTPEngineServesOnItsPort(t *testing.T) {
	site, _ := httpEngineApp(t, portServer, func(e *config.Engine) { e.PortEnv = []string{"MY_PORT"} })
	front := newFakeFront()
	bus := event.NewBus()
	sub := bus.Subscribe(1024)
	startHost(t, site, bus, front)
	s := waitServe(t, front)
	if len(s.workers) != 1 {
		t.Fatalf("Serve listed %d workers, want 1", len(s.workers))
	}
	ep := s.workers[0]
	if ep.Protocol != "http" || ep.Network != "tcp" || !strings.HasPrefix(ep.Address, "127.0.0.1:") {
		t.Fatalf("endpoint = %s %s %s, want http over tcp on 127.0.0.1", ep.Protocol, ep.Network, ep.Address)
	}
	resp, err := http.Get("http://" + ep.Address + "/")
	if err != nil {
		t.Fatalf("GET the process directly: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	port := strings.TrimPrefix(ep.Address, "127.0.0.1:")
	if want := strings.Join([]string{port, port, port, port}, " "); string(body) != want {
		t.Errorf("port variables = %q, want %q", body, want)
	}
	waitEvent(t, sub, func(e event.Event) bool {
		return e.Source == event.SourceStdout && e.Worker == ep.PID && e.Text == "serving on "+port
	})
}

// A process that exits before its port accepts is started again up to the retry
// count; then the app fails with the process's last stderr lines.
func TestHTTPEngineRetriesThenFails(t *testing.T) {
	site, _ := httpEngineApp(t, "import sys\nsys.stderr.write('no such module: fastapi\\n')\nsys.exit(4)\n",
		func(e *config.Engine) { e.StartRetries = 1 })
	front := newFakeFront()
	bus := event.NewBus()
	sub := bus.Subscribe(1024)
	startHost(t, site, bus, front)
	waitEvent(t, sub, func(e event.Event) bool { return strings.Contains(e.Text, "retry 1 of 1") })
	st := waitState(t, front, event.StateFailed)
	for _, want := range []string{"exited with status 4 before it accepted", "no such module: fastapi"} {
		if !strings.Contains(st.Err, want) {
			t.Errorf("failure = %q, want it to contain %q", st.Err, want)
		}
	}
}

// A process that never listens fails at the app's start timeout, each retry
// included, with the fix.
func TestHTTPEngineStartTimeout(t *testing.T) {
	site, a := httpEngineApp(t, "import time\ntime.sleep(60)\n", func(e *config.Engine) { e.StartRetries = 1 })
	a.StartTimeout = 300 * time.Millisecond
	front := newFakeFront()
	startHost(t, site, event.NewBus(), front)
	st := waitState(t, front, event.StateFailed)
	if !strings.Contains(st.Err, "did not accept") || !strings.Contains(st.Err, "within 300ms") ||
		!strings.Contains(st.Err, "start_timeout") {
		t.Errorf("failure = %q, want the time limit and how to fix it", st.Err)
	}
}

// waitState waits for the frontend to be told the app is in state want.
func waitState(t *testing.T, f *fakeFront, want event.State) Status {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case st := <-f.status:
			if st.State == want {
				return st
			}
		case <-f.serves:
		case <-deadline:
			t.Fatalf("app not %s within 30 s", want)
		}
	}
}

func TestExpandVars(t *testing.T) {
	vars := map[string]string{"PORT": "8123", "HOME": "/home/dev"}
	lookup := func(n string) (string, bool) { v, ok := vars[strings.ToUpper(n)]; return v, ok }
	for in, want := range map[string]string{
		"--port=%PORT%":          "--port=8123",
		"%Home%/app":             "/home/dev/app",
		"100%":                   "100%",
		"50% of %PORT%":          "50% of 8123",
		"%UNKNOWN% stays":        "%UNKNOWN% stays",
		"%%PORT%":                "%8123",
		"%PORT%%PORT%":           "81238123",
		"no variables in here":   "no variables in here",
		"%HOME%%UNKNOWN%%PORT%x": "/home/dev%UNKNOWN%8123x",
	} {
		if got := expandVars(in, lookup); got != want {
			t.Errorf("expandVars(%q) = %q, want %q", in, got, want)
		}
	}
}

// The port variables replace any value the app or the environment gave them, and
// other values that name them get the port.
func TestWithPortOverrides(t *testing.T) {
	env := withPort([]string{"A=1", "PORT=80", "aspnetcore_port=5000", "URL=http://h:%Http_Platform_Port%/%MY_PORT% 100%"},
		"4242", []string{"MY_PORT", "port"})
	got := strings.Join(env, " ")
	if got != "A=1 URL=http://h:4242/4242 100% HTTP_PLATFORM_PORT=4242 ASPNETCORE_PORT=4242 PORT=4242 MY_PORT=4242" {
		t.Errorf("env = %q", got)
	}
}

// The deploy script of an app served by an http engine runs with the engine's
// Python before the process starts.
func TestHTTPEngineRunsDeployScript(t *testing.T) {
	site, a := httpEngineApp(t, portServer, nil)
	a.DeployFile = filepath.Join(a.Root, "deploy.py")
	os.WriteFile(a.DeployFile, []byte("import sys\nprint('deployed with', sys.executable)\n"), 0o644)
	front := newFakeFront()
	bus := event.NewBus()
	sub := bus.Subscribe(1024)
	startHost(t, site, bus, front)
	e := waitEvent(t, sub, func(e event.Event) bool { return e.Source == event.SourceDeploy })
	if !strings.HasPrefix(e.Text, "deployed with ") {
		t.Errorf("deploy output = %q", e.Text)
	}
	if s := waitServe(t, front); len(s.workers) != 1 || s.workers[0].Protocol != "http" {
		t.Errorf("after the deploy: Serve %+v", s)
	}
}

func TestDeployPython(t *testing.T) {
	for _, c := range []struct{ python, command, want string }{
		{"/venv/bin/python", "", "/venv/bin/python"},
		{"", "/usr/bin/python3", "/usr/bin/python3"},
		{"", "python3.11", "python3.11"},
		{"", "node", "python3"},
		{"", "/usr/bin/uwsgi", "python3"},
	} {
		s := &appSpec{cfg: &config.App{Python: c.python}}
		if c.command != "" {
			s.engine = &config.Engine{Command: c.command}
		}
		if got := deployPython(s); got != c.want {
			t.Errorf("deployPython(python %q, command %q) = %q, want %q", c.python, c.command, got, c.want)
		}
	}
}
