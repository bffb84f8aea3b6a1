package host

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// worker is one Python process running the embedded FastCGI WSGI server.
type worker struct {
	gen      int
	proc     *proc
	network  string // "unix" or "tcp"
	address  string
	lifeline *os.File // write end of the worker's stdin; closing it (or dying) ends the worker
	keepConn bool     // it honours FCGI_KEEP_CONN: zoo-dev's worker does, a custom engine may not
	modules  []string // the libraries it loaded, as it reported when ready
	wasSpare bool     // it was started ahead as a spare, libraries preloaded
	tail     *tail    // its last stderr lines, for the crash page
}

// ImportError is a worker that could not import the app; Traceback is Python's.
type ImportError struct{ Traceback string }

func (e *ImportError) Error() string { return "import failed:\n" + e.Traceback }

// workerStatus is one JSON line the worker writes on its status pipe.
type workerStatus struct {
	Event     string   `json:"event"` // "ready" or "import_error"
	PID       int      `json:"pid"`
	Bind      string   `json:"bind"`
	Traceback string   `json:"traceback"`
	Modules   []string `json:"modules"` // with ready: the libraries it loaded, for spares to preload
	Error     string   `json:"error"`   // with bind_error
}

// startWorker launches worker n of generation gen and returns once it is ready to
// accept, or with an error (an *ImportError when the app failed to import).
func startWorker(ctx context.Context, s *appSpec, gen, n int, emit emitFunc) (*worker, error) {
	if s.engine != nil {
		return startCustom(ctx, s, gen, n, emit)
	}
	w, status, err := spawnWorker(s, gen, n, emit, "")
	if err != nil {
		return nil, err
	}
	defer status.Close()
	if err := w.awaitReady(ctx, status, s.cfg.StartTimeout); err != nil {
		w.stop(stopGrace)
		return nil, err
	}
	return w, nil
}

// spawnWorker starts the Python worker process and returns it with the read end of
// its status pipe. With a preload file it is a spare: it imports those modules and
// holds until told "go" on its lifeline.
func spawnWorker(s *appSpec, gen, n int, emit emitFunc, preload string) (*worker, *os.File, error) {
	a := s.cfg
	sock := filepath.Join(s.runDir, fmt.Sprintf("g%d-w%d.sock", gen, n))
	os.Remove(sock)
	args := []string{"-u", s.script, "--root", a.Root, "--bind", "unix:" + sock,
		"--threads", strconv.Itoa(a.Threads), "--status-fd", "3", "--lifeline"}
	if preload != "" {
		args = append(args, "--preload-file", preload, "--hold")
	}
	if a.WSGIApp != "" {
		args = append(args, "--app", a.WSGIApp)
	} else {
		args = append(args, "--django", a.DjangoSettings)
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		statusR.Close()
		statusW.Close()
		return nil, nil, err
	}
	cmd := exec.Command(a.Python, args...)
	cmd.Dir, cmd.Env = a.Root, s.env
	cmd.Stdin, cmd.ExtraFiles = lifeR, []*os.File{statusW}
	w := &worker{gen: gen, network: "unix", address: sock, lifeline: lifeW, keepConn: true, tail: newTail(20)}
	var pid pidBox
	w.proc, err = startProc(cmd,
		func(l string) { emit(event.SourceStdout, event.LevelInfo, pid.get(), l) },
		func(l string) { w.tail.add(l); emit(event.SourceStderr, event.LevelInfo, pid.get(), l) })
	statusW.Close()
	lifeR.Close()
	if err != nil {
		lifeW.Close()
		statusR.Close()
		return nil, nil, fmt.Errorf("start worker with %s: %w", a.Python, err)
	}
	pid.set(w.proc.pid())
	return w, statusR, nil
}

// awaitReady reads the status pipe until the worker says ready or import_error,
// exits, or the start timeout passes.
func (w *worker) awaitReady(ctx context.Context, status *os.File, timeout time.Duration) error {
	got := make(chan workerStatus, 1)
	go func() {
		var st workerStatus
		sc := bufio.NewScanner(status)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			if json.Unmarshal(sc.Bytes(), &st) == nil && st.Event != "" {
				break
			}
		}
		got <- st
	}()
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case st := <-got:
		switch st.Event {
		case "ready":
			w.modules = st.Modules
			return nil
		case "import_error":
			return &ImportError{Traceback: st.Traceback}
		}
		if st.Event == "bind_error" {
			return fmt.Errorf("worker %d: %s", w.proc.pid(), st.Error)
		}
		select { // the pipe closed without a word: the worker is dying
		case <-w.proc.done:
		case <-t.C:
			return fmt.Errorf("worker %d closed its status pipe without a word", w.proc.pid())
		case <-ctx.Done():
			return ctx.Err()
		}
		return fmt.Errorf("worker %d exited with status %d before it was ready: %s",
			w.proc.pid(), w.proc.exitCode(), w.tail.last())
	case <-t.C:
		return fmt.Errorf("worker %d not ready after %s", w.proc.pid(), timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *worker) pid() int { return w.proc.pid() }

// crashGrace is how long a crash page waits for a dying worker's last words.
const crashGrace = 200 * time.Millisecond

// lastStderr returns the worker's last stderr lines for a crash page. A worker
// whose connection just broke is usually dying: once it has exited, everything
// it wrote has been read, so wait a moment for that.
func (w *worker) lastStderr() []string {
	t := time.NewTimer(crashGrace)
	defer t.Stop()
	select {
	case <-w.proc.done:
	case <-t.C:
	}
	return w.tail.Lines()
}

// deathWait bounds how long a crash page waits for a worker whose connection broke to exit.
const deathWait = 3 * time.Second

// died waits a moment for the worker to exit, then says how it ended and what it
// wrote on stderr since t; exited is false when it is still running.
func (w *worker) died(t time.Time) (how string, lines []string, exited bool) {
	timer := time.NewTimer(deathWait)
	defer timer.Stop()
	select {
	case <-w.proc.done:
		return exitText(w.proc.cmd.ProcessState), w.tail.since(t), true
	case <-timer.C:
		return "is still running", w.tail.since(t), false
	}
}

// stop ends the worker by escalation and removes its socket.
func (w *worker) stop(grace time.Duration) {
	w.proc.stop(grace)
	if w.lifeline != nil {
		w.lifeline.Close()
	}
	if w.network == "unix" {
		os.Remove(w.address)
	}
}

// tail keeps the last n lines of a stream.
type tail struct {
	mu    sync.Mutex
	lines []string
	times []time.Time // when each line was read
	n     int
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) add(l string) {
	t.mu.Lock()
	if len(t.lines) == t.n {
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:t.n-1]
		copy(t.times, t.times[1:])
		t.times = t.times[:t.n-1]
	}
	t.lines = append(t.lines, l)
	t.times = append(t.times, time.Now())
	t.mu.Unlock()
}

// since returns the kept lines read at or after from.
func (t *tail) since(from time.Time) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for i, at := range t.times {
		if !at.Before(from) {
			out = append(out, t.lines[i])
		}
	}
	return out
}

// Lines returns a copy of the kept lines, oldest first.
func (t *tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.lines...)
}

func (t *tail) last() string {
	l := t.Lines()
	if len(l) == 0 {
		return "no output"
	}
	return l[len(l)-1]
}

// pidBox holds a pid set after the output pumps have started.
type pidBox struct {
	mu  sync.Mutex
	pid int
}

func (b *pidBox) set(pid int) { b.mu.Lock(); b.pid = pid; b.mu.Unlock() }

func (b *pidBox) get() int { b.mu.Lock(); defer b.mu.Unlock(); return b.pid }
