package host

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// An http engine is a program that serves the app over HTTP itself (uvicorn, Django's
// runserver, a Node server), the way IIS's HttpPlatformHandler runs one: each process
// gets a free loopback port in HTTP_PLATFORM_PORT, ASPNETCORE_PORT and PORT, and it is
// ready when that port accepts. Its processes are workers like any other: the same
// generations, reloads, crash replacement and pages; only the frontend speaks HTTP to
// them instead of FastCGI.

// portVars are the variables that always carry an http engine process's port;
// the engine's PortEnv names more.
var portVars = []string{"HTTP_PLATFORM_PORT", "ASPNETCORE_PORT", "PORT"}

// defaultStartRetries is how many more times a process that exits before its port
// accepts is started when the engine does not say (Engine.StartRetries 0).
const defaultStartRetries = 2

// proto is the protocol the frontend speaks to w.
func (w *worker) proto() string {
	if w.protocol == "http" {
		return "http"
	}
	return "fcgi"
}

// startHTTPEngine starts one process of an http engine for generation gen and
// returns once its port accepts. A process that exits first, or does not accept
// within the app's start timeout, is started again on a new port up to the engine's
// retry count.
func startHTTPEngine(ctx context.Context, s *appSpec, gen int, emit emitFunc) (*worker, error) {
	retries := s.engine.StartRetries
	if retries <= 0 {
		retries = defaultStartRetries
	}
	for attempt := 0; ; attempt++ {
		w, err := tryHTTPEngine(ctx, s, gen, emit, s.cfg.StartTimeout)
		var fatal *startError
		if err == nil || ctx.Err() != nil || errors.As(err, &fatal) || attempt >= retries {
			return w, err
		}
		emit(event.SourceZoo, event.LevelWarn, 0, fmt.Sprintf("%s; starting it again (retry %d of %d)",
			summary(err), attempt+1, retries))
	}
}

// startError is a process that could not be started at all: retrying will not help.
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// tryHTTPEngine makes one attempt: a free port, the process, the wait for its port.
func tryHTTPEngine(ctx context.Context, s *appSpec, gen int, emit emitFunc, limit time.Duration) (*worker, error) {
	name := s.cfg.Engine
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("engine %s: pick a port: %w", name, err)
	}
	cmd := httpCommand(s, strconv.Itoa(port))
	w := &worker{gen: gen, network: "tcp", address: "127.0.0.1:" + strconv.Itoa(port), protocol: "http", tail: newTail(20)}
	var pid pidBox
	tb := stderrBlocks(emit, &pid)
	w.proc, err = startProc(cmd,
		func(l string) { emit(event.SourceStdout, event.LevelInfo, pid.get(), l) },
		func(l string) { w.tail.add(l); tb.line(l) }, tb.end)
	if err != nil {
		return nil, &startError{fmt.Errorf("engine %s: start %s: %w; set command in [engines.%q] (processPath in a web.config) to a program in PATH or an absolute path",
			name, cmd.Path, err, name)}
	}
	pid.set(w.proc.pid())
	if err := w.awaitAccept(ctx, limit); err != nil {
		exited := w.exited()
		w.stop(stopGrace)
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, w.httpStartFailure(name, limit, exited)
	}
	return w, nil
}

// httpCommand is the engine's command for a process on port: the port variables in
// its environment, and %NAME% expanded in its command and arguments.
func httpCommand(s *appSpec, port string) *exec.Cmd {
	e := s.engine
	env := withPort(s.env, port, e.PortEnv)
	lookup := varLookup(env, s)
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = expandVars(a, lookup)
	}
	cmd := exec.Command(expandVars(e.Command, lookup), args...)
	cmd.Dir, cmd.Env = s.cfg.Root, env
	return cmd
}

// httpStartFailure explains a process whose port never accepted. One that exited is
// reported like a worker whose app did not import: its last stderr lines are what
// the developer needs, on the page and in the log.
func (w *worker) httpStartFailure(engine string, limit time.Duration, exited bool) error {
	if !exited {
		return fmt.Errorf("engine %s: process %d did not accept on %s within %s; make it listen on %%PORT%% (or $PORT), or raise start_timeout (startupTimeLimit in a web.config)",
			engine, w.pid(), w.address, limit)
	}
	lines := w.tail.Lines()
	if len(lines) == 0 {
		lines = []string{"(nothing on stderr)"}
	}
	head := fmt.Sprintf("engine %s: process %d exited with status %d before it accepted on %s; its last lines on stderr:",
		engine, w.pid(), w.proc.exitCode(), w.address)
	return &ImportError{Traceback: head + "\n" + strings.Join(lines, "\n") + "\n"}
}

func (w *worker) exited() bool {
	select {
	case <-w.proc.done:
		return true
	default:
		return false
	}
}

// withPort is env with the port variables and those named in more set to port, and
// expanded where another variable's value names them (URL=http://127.0.0.1:%PORT%/).
func withPort(env []string, port string, more []string) []string {
	names := append(append([]string{}, portVars...), more...)
	isPort := func(name string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
	}
	lookup := func(name string) (string, bool) { return port, isPort(name) }
	out := make([]string, 0, len(env)+len(names))
	for _, kv := range env {
		name, v, _ := strings.Cut(kv, "=")
		if !isPort(name) {
			out = append(out, name+"="+expandVars(v, lookup))
		}
	}
	for i, n := range names {
		if !slices.ContainsFunc(names[:i], func(m string) bool { return strings.EqualFold(m, n) }) {
			out = append(out, n+"="+port)
		}
	}
	return out
}

// varLookup finds %NAME% for an http engine's command and arguments: the process's
// environment (the port variables, the app's variables, zoo-dev's own), then the
// app's folder and mount path, case-insensitively as on Windows.
func varLookup(env []string, s *appSpec) func(string) (string, bool) {
	vals := map[string]string{
		"APPL_PHYSICAL_PATH": s.cfg.Root,
		"APPL_VIRTUAL_PATH":  s.cfg.Path,
	}
	for _, kv := range env {
		if name, v, ok := strings.Cut(kv, "="); ok {
			vals[strings.ToUpper(name)] = v
		}
	}
	return func(name string) (string, bool) {
		v, ok := vals[strings.ToUpper(name)]
		return v, ok
	}
}

// expandVars replaces each %NAME% that lookup knows; anything else stays as written.
func expandVars(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		if v, ok := lookup(s[i+1 : i+1+j]); ok && j > 0 {
			b.WriteString(s[:i])
			b.WriteString(v)
			s = s[i+2+j:]
			continue
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
	}
	b.WriteString(s)
	return b.String()
}
