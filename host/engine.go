package host

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// startCustom launches worker n of generation gen with a custom engine from
// zoo.toml (uWSGI, say): its command with %SOCKET% and %PORT% substituted. Such a
// program cannot report readiness, so it is ready when its socket accepts.
func startCustom(ctx context.Context, s *appSpec, gen, n int, emit emitFunc) (*worker, error) {
	e := s.engine
	if e.Protocol == "http" { // hook: an http engine's process (httpengine.go)
		return startHTTPEngine(ctx, s, gen, emit)
	}
	if e.Protocol != "fastcgi" {
		return nil, fmt.Errorf("engine %s: protocol %q is not supported; use protocol = \"fastcgi\" or \"http\"", s.cfg.Engine, e.Protocol)
	}
	w := &worker{gen: gen, network: "unix", tail: newTail(20)}
	vars := map[string]string{}
	if e.Transport == "tcp" {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("engine %s: pick a port: %w", s.cfg.Engine, err)
		}
		w.network, w.address = "tcp", "127.0.0.1:"+strconv.Itoa(port)
		vars["%PORT%"], vars["%SOCKET%"] = strconv.Itoa(port), w.address
	} else {
		w.address = filepath.Join(s.runDir, fmt.Sprintf("g%d-w%d.sock", gen, n))
		os.Remove(w.address)
		vars["%SOCKET%"] = w.address
	}
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		for k, v := range vars {
			a = strings.ReplaceAll(a, k, v)
		}
		args[i] = a
	}
	cmd := exec.Command(e.Command, args...)
	cmd.Dir, cmd.Env = s.cfg.Root, s.env
	var pid pidBox
	tb := stderrBlocks(emit, &pid)
	p, err := startProc(cmd,
		func(l string) { emit(event.SourceStdout, event.LevelInfo, pid.get(), l) },
		func(l string) { w.tail.add(l); tb.line(l) }, tb.end)
	if err != nil {
		return nil, fmt.Errorf("engine %s: start %s: %w", s.cfg.Engine, e.Command, err)
	}
	w.proc = p
	pid.set(p.pid())
	if err := w.awaitAccept(ctx, s.cfg.StartTimeout); err != nil {
		w.stop(stopGrace)
		return nil, fmt.Errorf("engine %s: %w", s.cfg.Engine, err)
	}
	return w, nil
}

// awaitAccept dials the worker's socket until it accepts, the process exits or the
// timeout passes. The retries back off from 5 ms to 200 ms.
func (w *worker) awaitAccept(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for wait := 5 * time.Millisecond; ; wait = min(wait*2, 200*time.Millisecond) {
		if c, err := net.DialTimeout(w.network, w.address, time.Second); err == nil {
			c.Close()
			return nil
		}
		retry := time.NewTimer(wait)
		select {
		case <-retry.C:
		case <-w.proc.done:
			retry.Stop()
			return fmt.Errorf("exited with status %d before it accepted on %s: %s", w.proc.exitCode(), w.address, w.tail.last())
		case <-deadline.C:
			retry.Stop()
			return fmt.Errorf("nothing accepted on %s within %s", w.address, timeout)
		case <-ctx.Done():
			retry.Stop()
			return ctx.Err()
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// pythonName matches the file names of Python interpreters: python, python3, python3.11.exe.
var pythonName = regexp.MustCompile(`^python[0-9.]*(\.exe)?$`)

// deployPython is the interpreter of an app's deploy script: the app's own, or for a
// custom engine (which has none) the engine's command when that is a Python, so that
// the script installs into what serves the app; else python3.
func deployPython(s *appSpec) string {
	switch {
	case s.cfg.Python != "":
		return s.cfg.Python
	case s.engine != nil && pythonName.MatchString(filepath.Base(s.engine.Command)):
		return s.engine.Command
	}
	return "python3"
}

// engineFor returns the custom engine an app runs with, nil for the Python worker.
func engineFor(site *config.Site, a *config.App) *config.Engine {
	return site.Engines[a.Engine]
}
