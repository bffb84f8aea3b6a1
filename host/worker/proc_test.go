package worker

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// proc is a real worker process started for a test.
type proc struct {
	cmd      *exec.Cmd
	bind     string // the address from the ready line
	sockPath string
	stderr   *testtool.Output
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
	maxConns int // --max-conns; 0: the worker's default
	tcp      bool
	lifeline bool
	env      []string
}

func needPython(t *testing.T) string {
	t.Helper()
	return testtool.Python3(t)
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
	p := &proc{stderr: testtool.NewOutput(), done: make(chan struct{})}
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
	if o.maxConns != 0 {
		p.cmd.Args = append(p.cmd.Args, "--max-conns", strconv.Itoa(o.maxConns))
	}
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
	go func() {
		p.stderr.Collect(stderr)
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill(t) })
	p.status = readStatus(t, statusR)
	return p
}

// startWorker starts a worker and waits for its ready line.
func startWorker(t *testing.T, o workerOpts) *proc {
	t.Helper()
	p := launch(t, o)
	if p.status.Event != "ready" {
		t.Fatalf("status %+v, want ready; stderr:\n%s", p.status, p.stderr.Text())
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

func (p *proc) peakRSS(t *testing.T) int { return testtool.PeakRSS(t, p.cmd.Process.Pid) }
