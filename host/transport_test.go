package host

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// ranApp leaves a file named after the request's query in its folder: proof that it ran.
const ranApp = `import os
def application(e, s):
    open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ran-' + e['QUERY_STRING']), 'w').close()
    s('200 OK', [('Content-Type', 'text/plain')])
    return [b'ran']
`

// Over TCP (the transport on Windows) the worker listens on a port it picked, and runs the app
// only for requests that carry this run's secret: another local user who connects to the port
// gets a 403, and the app never runs for them.
func TestTCPWorkerRunsTheAppOnlyWithTheToken(t *testing.T) {
	a := testApp(t, map[string]string{"app.py": ranApp})
	bus := event.NewBus()
	front := newFakeFront()
	h, err := New(&config.Site{Apps: []*config.App{a}}, Options{Bus: bus, Frontend: front, CacheDir: t.TempDir(), Transport: "tcp"})
	if err != nil {
		t.Fatal(err)
	}
	runUntilCleanup(t, h)
	var ep Endpoint
	select {
	case s := <-front.serves:
		ep = s.workers[0]
	case <-time.After(90 * time.Second): // generous: the machine may be busy
		t.Fatal("no Serve within 90 s")
	}
	if ep.Network != "tcp" || !strings.HasPrefix(ep.Address, "127.0.0.1:") || strings.HasSuffix(ep.Address, ":0") || len(ep.Token) != 64 {
		t.Fatalf("endpoint %+v, want tcp on 127.0.0.1:<a port> with a 64-digit token", ep)
	}
	for _, tc := range []struct{ query, token string }{{"none", ""}, {"wrong", strings.Repeat("f", 64)}, {"right", ep.Token}} {
		code, body := fcgiGet(t, ep, tc.query, tc.token)
		_, err := os.Stat(filepath.Join(a.Root, "ran-"+tc.query))
		if tc.query == "right" {
			if code != 200 || body != "ran" || err != nil {
				t.Fatalf("with the token: %d %q, app ran: %v", code, body, err)
			}
			continue
		}
		if code != 403 || !os.IsNotExist(err) {
			t.Fatalf("token %q: %d %q, app ran: %v", tc.query, code, body, err == nil)
		}
	}
}

// fcgiGet sends GET /?query to the worker of ep with token (none when "") on a new connection.
func fcgiGet(t *testing.T, ep Endpoint, query, token string) (int, string) {
	t.Helper()
	p := fcgi.NewPool(fcgi.Options{})
	defer p.Close()
	p.AddBackend(fcgi.Backend{ID: ep.PID, Network: ep.Network, Address: ep.Address, MaxConns: 1, Token: token})
	r, _ := http.NewRequest("GET", "/?"+query, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := p.Do(ctx, &fcgi.Request{Params: fcgi.BuildParams(r, "")})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func runUntilCleanup(t *testing.T, h *Host) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("host did not stop within 15 s")
		}
	})
}

func TestTransportChoice(t *testing.T) {
	for _, name := range []string{"udp", "UNIX", "pipe"} {
		if _, err := newTransport(name); err == nil || !strings.Contains(err.Error(), "ZOO_DEV_TRANSPORT="+name+": want unix or tcp") {
			t.Errorf("%q: %v", name, err)
		}
	}
	tcp, err := newTransport("tcp")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newTransport("tcp")
	if len(tcp.token) != 64 || tcp.token == other.token {
		t.Errorf("tokens %q and %q: want 64 hex digits, new for each run", tcp.token, other.token)
	}
	if b := tcp.bind("/run", 1, 2); b != "tcp:127.0.0.1:0" {
		t.Errorf("tcp bind %q", b)
	}
	if a, err := tcp.address("tcp:127.0.0.1:4711"); a != "127.0.0.1:4711" || err != nil {
		t.Errorf("address %q, %v", a, err)
	}
	if _, err := tcp.address("unix:/x.sock"); err == nil {
		t.Error("a unix address passed for tcp")
	}
	env := make([]string, 1, 4)
	env[0] = "A=1"
	got := tcp.workerEnv(env)
	if len(got) != 2 || got[1] != "ZOO_DEV_TOKEN="+tcp.token || len(env[:2][1]) != 0 {
		t.Errorf("workerEnv %q, shared env now %q", got, env[:2])
	}
}

// The status line is taken out of the worker's stdout, even after half a line of the app's.
func TestStatusLineOnStdout(t *testing.T) {
	w := &worker{network: "unix", status: make(chan workerStatus, 1)}
	var out []string
	for _, l := range []string{
		"hello",
		`zoo-dev-status: not json`,
		`app half a linezoo-dev-status: {"event": "ready", "pid": 7, "bind": "unix:/r/g1-w1.sock", "modules": ["json"]}`,
		`zoo-dev-status: {"event": "ready", "pid": 7, "bind": "unix:/elsewhere"}`,
	} {
		w.stdoutLine(l, func(s string) { out = append(out, s) })
	}
	st := <-w.status
	if st.Bind != "unix:/r/g1-w1.sock" || len(st.Modules) != 1 {
		t.Fatalf("status %+v", st)
	}
	want := []string{"hello", "zoo-dev-status: not json", "app half a line", `zoo-dev-status: {"event": "ready", "pid": 7, "bind": "unix:/elsewhere"}`}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Fatalf("output lines:\n%s\nwant:\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
	}
}

// stop asks through the lifeline first, where it has one (the only way on Windows): a process
// that reads "stop" there exits well within the grace, and SIGTERM is never needed.
func TestStopAsksOnTheLifeline(t *testing.T) {
	py := testtool.Python3(t)
	script := "import signal, sys\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(sys.stdin.readline().strip())\nsys.exit(7)\n"
	p, lines := startWithLifeline(t, exec.Command(py, "-u", "-c", script))
	start := time.Now()
	p.stop(time.Minute)
	if code := p.exitCode(); code != 7 || time.Since(start) > 30*time.Second {
		t.Fatalf("exit %d after %s, want 7 at once", code, time.Since(start))
	}
	if got := nextLine(t, lines); got != "stop" {
		t.Fatalf("it read %q, want stop", got)
	}
}

// A process that ignores the stop line is ended with its whole tree after the grace.
func TestStopEndsTheTreeAfterTheGrace(t *testing.T) {
	py := testtool.Python3(t)
	script := "import subprocess, sys, time\nc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\nprint(c.pid)\ntime.sleep(120)\n"
	p, lines := startWithLifeline(t, exec.Command(py, "-u", "-c", script))
	child, err := strconv.Atoi(nextLine(t, lines))
	if err != nil {
		t.Fatal(err)
	}
	p.stop(100 * time.Millisecond)
	deadline := time.Now().Add(20 * time.Second)
	for processRunning(child) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // SIGKILL is sent; the kernel takes a moment
	}
	if processRunning(child) {
		t.Fatalf("the grandchild %d outlived the stop", child)
	}
}

// processRunning reports a process that exists and is not a zombie (an init that does not reap
// would keep a killed one as a zombie).
func processRunning(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l := <-lines:
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("no output line within 20 s")
		return ""
	}
}

// startWithLifeline starts cmd as zoo-dev starts its workers: its stdin a pipe whose write
// end stop uses. Its stdout lines arrive on the channel.
func startWithLifeline(t *testing.T, cmd *exec.Cmd) (*proc, <-chan string) {
	t.Helper()
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = lifeR
	out := make(chan string, 16)
	p, err := startProc(cmd, func(l string) { out <- l }, nil)
	lifeR.Close()
	if err != nil {
		t.Fatal(err)
	}
	p.lifeline = lifeW
	t.Cleanup(func() { p.stop(0) })
	return p, out
}
