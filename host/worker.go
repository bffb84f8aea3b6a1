package host

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// worker is one Python process running the embedded FastCGI WSGI server.
type worker struct {
	id       int // the supervisor's number for it
	gen      int
	proc     *proc
	network  string // "unix" or "tcp"
	address  string
	lifeline *os.File // write end of the worker's stdin; closing it (or dying) ends the worker
	keepConn bool     // it honours FCGI_KEEP_CONN: zoo-dev's worker does, a custom engine may not
	modules  []string // the libraries it loaded, as it reported when ready
	wasSpare bool     // it was started ahead as a spare, libraries preloaded
	tail     *tail    // its last stderr lines, for the crash page
	protocol string   // "http" for an http engine's process; "" speaks FastCGI

	token  string            // the secret param its requests carry; "" for none
	status chan workerStatus // its status line, once (zoo-dev's worker only)
}

// ImportError is a worker that could not import the app; Traceback is Python's.
type ImportError struct{ Traceback string }

func (e *ImportError) Error() string { return "import failed:\n" + e.Traceback }

// workerStatus is the JSON line the worker writes on stdout after statusPrefix.
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
	w, err := spawnWorker(s, gen, n, emit, "")
	if err != nil {
		return nil, err
	}
	if err := w.awaitReady(ctx, s.cfg.StartTimeout); err != nil {
		w.stop(stopGrace)
		return nil, err
	}
	return w, nil
}

// spawnWorker starts the Python worker process; its status line arrives on w.status.
// With a preload file it is a spare: it imports those modules and holds until told
// "go" on its lifeline.
func spawnWorker(s *appSpec, gen, n int, emit emitFunc, preload string) (*worker, error) {
	a := s.cfg
	tr := s.transport
	args := []string{"-u", s.script, "--root", a.Root, "--bind", tr.bind(s.runDir, gen, n),
		"--threads", strconv.Itoa(a.Threads), "--status-stdout", "--lifeline"}
	if preload != "" {
		args = append(args, "--preload-file", preload, "--hold")
	}
	if a.WSGIApp != "" {
		args = append(args, "--app", a.WSGIApp)
	} else {
		args = append(args, "--django", a.DjangoSettings)
	}
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(a.Python, args...)
	cmd.Dir, cmd.Env = a.Root, tr.workerEnv(s.env)
	cmd.Stdin = lifeR
	w := &worker{gen: gen, network: tr.network, token: tr.token, lifeline: lifeW, keepConn: true,
		status: make(chan workerStatus, 1), tail: newTail(20)}
	var pid pidBox
	tb := stderrBlocks(emit, &pid)
	w.proc, err = startProc(cmd,
		func(l string) {
			w.stdoutLine(l, func(l string) { emit(event.SourceStdout, event.LevelInfo, pid.get(), l) })
		},
		func(l string) { w.tail.add(l); tb.line(l) }, tb.end)
	lifeR.Close()
	if err != nil {
		lifeW.Close()
		return nil, fmt.Errorf("start worker with %s: %w", a.Python, err)
	}
	w.proc.lifeline = lifeW
	pid.set(w.proc.pid())
	return w, nil
}

// awaitReady waits for the worker's status line: ready (its address is then set),
// import_error or bind_error; or for its exit, or the start timeout.
func (w *worker) awaitReady(ctx context.Context, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case st := <-w.status:
		return w.readyFrom(st)
	case <-w.proc.done:
		select { // its stdout was read to the end before done closed
		case st := <-w.status:
			return w.readyFrom(st)
		default:
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

// stop ends the worker by escalation (its lifeline's "stop" first) and removes its socket.
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
