package worker

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is a real worker process started for a test.
type proc struct {
	cmd      *exec.Cmd
	bind     string // the address from the ready line
	sockPath string
	stderr   *lines
	status   statusLine
	lifeline *os.File // the write end of the worker's stdin, when --lifeline
	done     chan struct{}
	waitErr  error
}

type statusLine struct {
	Event     string `json:"event"`
	Pid       int    `json:"pid"`
	Bind      string `json:"bind"`
	Traceback string `json:"traceback"`
	Error     string `json:"error"`
}

type workerOpts struct {
	app      string // default testapp:application
	django   string // a settings module, instead of app
	python   string // the interpreter, default python3 on PATH
	threads  int
	tcp      bool
	lifeline bool
	env      []string
}

func needPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	return py
}

// shortDir returns a fresh folder with a short path (unix socket paths are limited to 108 bytes).
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "zw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// launch starts a worker on the test apps and returns without waiting for its status line.
func launch(t *testing.T, o workerOpts) *proc {
	t.Helper()
	py := o.python
	if py == "" {
		py = needPython(t)
	}
	script, err := Install(shortDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if o.app == "" {
		o.app = "testapp:application"
	}
	if o.threads == 0 {
		o.threads = 4
	}
	p := &proc{stderr: newLines(), done: make(chan struct{})}
	bind := "tcp:127.0.0.1:0"
	if !o.tcp {
		p.sockPath = filepath.Join(shortDir(t), "w.sock")
		bind = "unix:" + p.sockPath
	}
	root, _ := filepath.Abs(filepath.Join("testdata", "apps"))
	what := []string{"--app", o.app}
	if o.django != "" {
		what = []string{"--django", o.django}
	}
	p.cmd = exec.Command(py, append(append([]string{"-u", script}, what...), "--root", root, "--bind", bind,
		"--threads", strconv.Itoa(o.threads), "--status-fd", "3")...)
	if o.lifeline {
		p.cmd.Args = append(p.cmd.Args, "--lifeline")
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		p.cmd.Stdin, p.lifeline = r, w
		t.Cleanup(func() { w.Close() })
		defer r.Close()
	}
	p.cmd.Env = append(append(os.Environ(), "PYTHONUNBUFFERED=1"), o.env...)
	statusR, statusW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.ExtraFiles = []*os.File{statusW}
	// stdout and stderr in one stream: the worker's routine news goes to stdout, errors to stderr
	stderr, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = outW, outW
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	outW.Close()
	statusW.Close()
	go p.stderr.collect(stderr, p)
	t.Cleanup(func() { p.kill(t) })
	p.status = readStatus(t, statusR)
	return p
}

// startWorker starts a worker and waits for its ready line.
func startWorker(t *testing.T, o workerOpts) *proc {
	t.Helper()
	p := launch(t, o)
	if p.status.Event != "ready" {
		t.Fatalf("status %+v, want ready; stderr:\n%s", p.status, p.stderr.text())
	}
	p.bind = p.status.Bind
	return p
}

func readStatus(t *testing.T, r *os.File) statusLine {
	t.Helper()
	defer r.Close()
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(r).ReadBytes('\n')
	if err != nil {
		return statusLine{Event: "none: " + err.Error()}
	}
	var s statusLine
	if err := json.Unmarshal(line, &s); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	return s
}

// wait waits for the worker to exit and returns its exit code (-1 on timeout).
func (p *proc) wait(d time.Duration) int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}

func (p *proc) kill(t *testing.T) {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Kill()
		<-p.done
	}
}

// lines collects a worker's stderr and lets a test wait for a line.
type lines struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed chan struct{}
}

func newLines() *lines { return &lines{changed: make(chan struct{})} }

func (l *lines) collect(r io.Reader, p *proc) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l.mu.Lock()
		l.buf.WriteString(sc.Text() + "\n")
		close(l.changed)
		l.changed = make(chan struct{})
		l.mu.Unlock()
	}
	p.waitErr = p.cmd.Wait()
	close(p.done)
}

func (l *lines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until the collected stderr contains s.
func (l *lines) waitFor(t *testing.T, s string, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		l.mu.Lock()
		has, ch := strings.Contains(l.buf.String(), s), l.changed
		l.mu.Unlock()
		if has {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("stderr never said %q; it said:\n%s", s, l.text())
		}
	}
}

// peakRSS returns the worker's peak resident memory in KiB (VmHWM).
func (p *proc) peakRSS(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
