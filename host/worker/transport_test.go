package worker

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// A worker as zoo-dev starts it on Windows, where there are no unix sockets and no fd 3: TCP
// on a port it picks, its status line on stdout, its lifeline on stdin and a token in its
// environment. The same code runs on every OS, so it is tested here.
type tcpWorker struct {
	cmd      *exec.Cmd
	bind     string
	out      *testtool.Output // stdout and stderr
	lifeline *os.File
	done     chan struct{}
}

const testToken = "5f1d2c0e9a7b4e3f8c6d1a2b3c4d5e6f"

func startTCPWorker(t *testing.T, app string, env ...string) *tcpWorker {
	t.Helper()
	script, err := Install(shortDir(t))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs(filepath.Join("testdata", "apps"))
	w := &tcpWorker{out: testtool.NewOutput(), done: make(chan struct{})}
	w.cmd = exec.Command(needPython(t), "-u", script, "--app", app, "--root", root,
		"--bind", "tcp:127.0.0.1:0", "--threads", "2", "--status-stdout", "--lifeline")
	w.cmd.Env = append(append(os.Environ(), "PYTHONUNBUFFERED=1"), env...)
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stdin, w.cmd.Stdout, w.cmd.Stderr, w.lifeline = lifeR, outW, outW, lifeW
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lifeR.Close()
	outW.Close()
	go func() {
		w.out.Collect(outR)
		w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		lifeW.Close()
		select {
		case <-w.done:
		case <-time.After(10 * time.Second):
			w.cmd.Process.Kill()
			<-w.done
		}
	})
	w.out.WaitFor(t, `zoo-dev-status: {"event": "ready"`, 30*time.Second)
	sc := bufio.NewScanner(strings.NewReader(w.out.Text()))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "zoo-dev-status: "); ok {
			var st statusLine
			if err := json.Unmarshal([]byte(line), &st); err != nil {
				t.Fatalf("status line %q: %v", line, err)
			}
			w.bind = st.Bind
		}
	}
	if !strings.HasPrefix(w.bind, "tcp:127.0.0.1:") || strings.HasSuffix(w.bind, ":0") {
		t.Fatalf("ready on %q, want tcp:127.0.0.1:<the port it picked>", w.bind)
	}
	return w
}

func (w *tcpWorker) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-w.done:
		return w.cmd.ProcessState.ExitCode()
	case <-time.After(20 * time.Second):
		t.Fatalf("the worker did not exit; it said:\n%s", w.out.Text())
		return -1
	}
}

// request runs GET uri on a new connection, with the token param when token is not "-".
func (w *tcpWorker) request(t *testing.T, uri, token string) (int, string) {
	t.Helper()
	f := dial(t, w.bind)
	f.begin(1, false)
	ps := params("GET", uri, 0)
	if token != "-" {
		ps = append(ps, [2]string{"ZOO_DEV_TOKEN", token})
	}
	f.stream(typeParams, 1, encodePairs(ps), 0, 0)
	f.stream(typeStdin, 1, nil, 0, 0)
	code, _, body := f.readResponse(1).parse(t)
	return code, string(body)
}

// Another local user can reach a TCP port: without the token, or with a wrong one, a request
// is refused before the app runs (the app would leave a file behind when it runs).
func TestTokenGuardsTheApp(t *testing.T) {
	state := t.TempDir()
	w := startTCPWorker(t, "testapp:application", "ZOO_DEV_TOKEN="+testToken, "TESTAPP_STATE_DIR="+state)
	for _, tc := range []struct{ name, token, why string }{
		{"none", "-", "missing"},
		{"empty", "", "wrong"},
		{"wrong", strings.Repeat("0", len(testToken)), "wrong"},
		{"prefix", testToken[:8], "wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := w.request(t, "/close-check?id="+tc.name, tc.token)
			if code != 403 || !strings.Contains(body, "Forbidden") {
				t.Fatalf("got %d %q, want 403 Forbidden", code, body)
			}
			w.out.WaitFor(t, "refused a request for /close-check?id="+tc.name+": ZOO_DEV_TOKEN param "+tc.why, 10*time.Second)
			if _, err := os.Stat(filepath.Join(state, "closed-"+tc.name)); !os.IsNotExist(err) {
				t.Fatalf("the app ran for a refused request (%v)", err)
			}
		})
	}
	code, body := w.request(t, "/close-check?id=good", testToken)
	if code != 200 || !strings.HasPrefix(body, "closing good\n") {
		t.Fatalf("with the token: %d %q", code, body)
	}
	if _, err := os.Stat(filepath.Join(state, "closed-good")); err != nil {
		t.Fatalf("the app did not run with the right token: %v", err)
	}
}

// The secret reaches neither the WSGI environ nor the app's process environment.
func TestTokenHiddenFromTheApp(t *testing.T) {
	w := startTCPWorker(t, "osenv:application", "ZOO_DEV_TOKEN="+testToken)
	code, body := w.request(t, "/", testToken)
	var names struct{ OS, Environ []string }
	if err := json.Unmarshal([]byte(body), &names); code != 200 || err != nil {
		t.Fatalf("got %d %q (%v)", code, body, err)
	}
	if len(names.Environ) == 0 || len(names.OS) == 0 {
		t.Fatalf("the app saw no environment: %s", body)
	}
	for _, n := range append(names.OS, names.Environ...) {
		if n == "ZOO_DEV_TOKEN" {
			t.Fatalf("the app sees ZOO_DEV_TOKEN: %s", body)
		}
	}
}

// Without a token in its environment the worker serves every request (unix sockets in a 0700
// folder need none), and still takes a stray token param out of the environ.
func TestNoTokenServesAll(t *testing.T) {
	w := startTCPWorker(t, "osenv:application")
	for _, token := range []string{"-", "anything"} {
		code, body := w.request(t, "/", token)
		if code != 200 || strings.Contains(body, "ZOO_DEV_TOKEN") {
			t.Fatalf("token %q: %d %s", token, code, body)
		}
	}
}

// "stop" on the lifeline drains like SIGTERM: the request in flight completes, then the
// worker exits 0. This is how zoo-dev stops a worker on Windows, which has no SIGTERM.
func TestLifelineStopDrains(t *testing.T) {
	w := startTCPWorker(t, "testapp:application")
	busy := dial(t, w.bind)
	busy.startRequest("POST", "/stream?n=3&gate=input", 1, false)
	busy.send(encodeRecord(typeStdin, 1, []byte("x"), 0))
	busy.read() // the first chunk: the request is in flight
	if _, err := w.lifeline.Write([]byte("stop\n")); err != nil {
		t.Fatal(err)
	}
	w.out.WaitFor(t, "stopping: 1 request(s) in flight", 10*time.Second)
	busy.send(encodeRecord(typeStdin, 1, nil, 0))
	if resp := busy.readResponse(1); string(resp.stdout) != "chunk 1\nchunk 2\n" {
		t.Fatalf("in-flight request got %q", resp.stdout)
	}
	if code := w.exitCode(t); code != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", code, w.out.Text())
	}
}

// A held spare told "stop" has nothing in flight: it exits at once, while its lifeline is
// still open, without importing the app.
func TestLifelineStopWhileHeld(t *testing.T) {
	script, err := Install(shortDir(t))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs(filepath.Join("testdata", "apps"))
	cmd := exec.Command(needPython(t), "-u", script, "--app", "testapp:application", "--root", root,
		"--bind", "tcp:127.0.0.1:0", "--status-stdout", "--lifeline", "--hold")
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer lifeW.Close()
	out := testtool.NewOutput()
	cmd.Stdin = lifeR
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = outW, outW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lifeR.Close()
	outW.Close()
	done := make(chan error, 1)
	go func() { out.Collect(outR); done <- cmd.Wait() }()
	if _, err := lifeW.Write([]byte("stop\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil || out.Text() != "" {
			t.Fatalf("%v; output %q, want a quiet exit 0", err, out.Text())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("a held worker told stop did not exit")
	}
}
