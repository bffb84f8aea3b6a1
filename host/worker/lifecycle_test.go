package worker

import (
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadyLine(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(map[bool]string{false: "unix", true: "tcp port 0"}[tcp], func(t *testing.T) {
			p := startWorker(t, workerOpts{tcp: tcp})
			if p.status.Pid != p.cmd.Process.Pid {
				t.Errorf("ready pid %d, want %d", p.status.Pid, p.cmd.Process.Pid)
			}
			if want := "unix:" + p.sockPath; !tcp && p.bind != want {
				t.Errorf("bind %q, want %q", p.bind, want)
			}
			if tcp && (!strings.HasPrefix(p.bind, "tcp:127.0.0.1:") || strings.HasSuffix(p.bind, ":0")) {
				t.Errorf("bind %q, want tcp:127.0.0.1:<the real port>", p.bind)
			}
			if _, _, body := dial(t, p.bind).do("GET", "/write", nil, false).parse(t); string(body) != "one two three" {
				t.Errorf("request on the ready address: %q", body)
			}
		})
	}
}

func TestImportErrorIsReported(t *testing.T) {
	tests := []struct{ app, want string }{
		{"broken:application", "RuntimeError: broken on purpose"},
		{"testapp:nope", "AttributeError"},
		{"no_such_module.app", "ModuleNotFoundError: No module named 'no_such_module'"},
		{"testapp._closed", "is not callable"},
	}
	for _, tc := range tests {
		t.Run(tc.app, func(t *testing.T) {
			p := launch(t, workerOpts{app: tc.app})
			if p.status.Event != "import_error" || p.status.Pid != p.cmd.Process.Pid {
				t.Fatalf("status %+v, want import_error from pid %d", p.status, p.cmd.Process.Pid)
			}
			if !strings.Contains(p.status.Traceback, tc.want) {
				t.Fatalf("traceback lacks %q:\n%s", tc.want, p.status.Traceback)
			}
			// Only the app's own frames: the worker's and importlib's hide the line to fix.
			if strings.Contains(p.status.Traceback, "worker-") || strings.Contains(p.status.Traceback, "importlib") {
				t.Errorf("traceback shows the worker's or importlib's frames:\n%s", p.status.Traceback)
			}
			if tc.app == "broken:application" && !strings.Contains(p.status.Traceback, "broken.py") {
				t.Errorf("traceback lacks the app's own frame:\n%s", p.status.Traceback)
			}
			if code := p.wait(10 * time.Second); code != 3 {
				t.Fatalf("exit status %d, want 3", code)
			}
			if _, err := os.Stat(p.sockPath); err == nil {
				t.Fatalf("a worker that failed to import left a socket")
			}
		})
	}
}

func TestLifelineEOFEndsTheWorker(t *testing.T) {
	p := startWorker(t, workerOpts{lifeline: true})
	f := dial(t, p.bind)
	f.startRequest("POST", "/stream?gate=input", 1, true) // busy: must not delay the exit
	f.read()
	p.lifeline.Close()
	if code := p.wait(10 * time.Second); code < 0 {
		t.Fatal("the worker outlived its parent's pipe")
	}
	if _, err := os.Stat(p.sockPath); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}

// SIGTERM: the listener closes, an idle kept connection is closed, the in-flight request
// completes, and the worker exits 0 without its socket file.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			p := startWorker(t, workerOpts{})
			idle := dial(t, p.bind)
			idle.do("GET", "/write", nil, true)
			busy := dial(t, p.bind)
			busy.startRequest("POST", "/stream?n=3&gate=input", 1, true)
			busy.send(encodeRecord(typeStdin, 1, []byte("x"), 0))
			busy.read() // the first chunk: the request is in flight
			p.cmd.Process.Signal(sig)
			p.stderr.WaitFor(t, "stopping: 1 request(s) in flight", 10*time.Second)
			if _, err := idle.tryRead(); err != io.EOF {
				t.Fatalf("idle kept connection: %v, want EOF", err)
			}
			if _, err := os.Stat(p.sockPath); !os.IsNotExist(err) {
				t.Fatalf("socket file still there while draining: %v", err)
			}
			busy.send(encodeRecord(typeStdin, 1, nil, 0))
			if resp := busy.readResponse(1); string(resp.stdout) != "chunk 1\nchunk 2\n" {
				t.Fatalf("in-flight request got %q", resp.stdout)
			}
			if _, err := busy.tryRead(); err != io.EOF {
				t.Fatalf("after the last request: %v, want EOF", err)
			}
			if code := p.wait(10 * time.Second); code != 0 {
				t.Fatalf("exit status %d, want 0; stderr:\n%s", code, p.stderr.Text())
			}
		})
	}
}
