package host

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// transportEnv overrides the transport zoo-dev picks for its OS: "unix" or "tcp". It is not
// a documented setting: the tests set it to run the Windows request path on Linux.
const transportEnv = "ZOO_DEV_TRANSPORT"

// tokenName is the worker's environment variable and the FastCGI param that carry the secret.
const tokenName = "ZOO_DEV_TOKEN"

// transport is how zoo-dev reaches its Python workers: unix sockets in the app's 0700 run
// folder where Python has them, TCP on 127.0.0.1 where it has not (Windows). Any local user
// can connect to a TCP port, so over TCP every request carries a secret made for this run,
// which the worker checks before it runs the app; the secret reaches the worker in its
// environment, never on its command line.
type transport struct {
	network string // "unix" or "tcp"
	token   string // over TCP: the run's secret; "" over unix sockets
}

// newTransport returns the transport named ("unix" or "tcp"), or the OS's when name is "".
func newTransport(name string) (*transport, error) {
	if name == "" {
		name = defaultTransport
	}
	switch name {
	case "unix":
		if !unixSockets {
			return nil, fmt.Errorf("%s=unix: Python has no unix sockets on this OS; unset %s", transportEnv, transportEnv)
		}
		return &transport{network: "unix"}, nil
	case "tcp":
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("make the workers' secret: %w", err)
		}
		return &transport{network: "tcp", token: hex.EncodeToString(b)}, nil
	}
	return nil, fmt.Errorf("%s=%s: want unix or tcp, or leave it unset", transportEnv, name)
}

// bind is the worker's --bind for worker n of generation gen. Over TCP the worker picks a
// free port itself and reports it when ready, so no other process can take it in between.
func (t *transport) bind(runDir string, gen, n int) string {
	if t.network == "tcp" {
		return "tcp:127.0.0.1:0"
	}
	sock := filepath.Join(runDir, fmt.Sprintf("g%d-w%d.sock", gen, n))
	os.Remove(sock)
	return "unix:" + sock
}

// address is the address to dial for the bind a worker reported ready on.
func (t *transport) address(reported string) (string, error) {
	addr, ok := strings.CutPrefix(reported, t.network+":")
	if !ok || addr == "" {
		return "", fmt.Errorf("the worker reported %q, want a %s address", reported, t.network)
	}
	return addr, nil
}

// workerEnv is the environment of a worker: env and, over TCP, the secret. The deploy
// script and custom engines never get it.
func (t *transport) workerEnv(env []string) []string {
	if t.token == "" {
		return env
	}
	return append(env[:len(env):len(env)], tokenName+"="+t.token)
}

// statusPrefix starts the worker's status line on its stdout (worker.py --status-stdout).
const statusPrefix = "zoo-dev-status: "

// stdoutLine passes a line of the worker's stdout to out, except its status line, which goes
// to w.status. The status line is written in one piece, but a thread of the app may have left
// half a line before it: that half goes to out.
func (w *worker) stdoutLine(l string, out func(string)) {
	i := strings.Index(l, statusPrefix)
	var st workerStatus
	if i < 0 || json.Unmarshal([]byte(l[i+len(statusPrefix):]), &st) != nil || st.Event == "" {
		out(l)
		return
	}
	if i > 0 {
		out(l[:i])
	}
	select {
	case w.status <- st:
	default: // a second status line: not from the worker
		out(l)
	}
}

// readyFrom turns the worker's status line into its address, or the error it reports.
func (w *worker) readyFrom(st workerStatus) error {
	switch st.Event {
	case "ready":
		addr, err := (&transport{network: w.network}).address(st.Bind)
		if err != nil {
			return fmt.Errorf("worker %d: %w", w.proc.pid(), err)
		}
		w.address, w.modules = addr, st.Modules
		return nil
	case "import_error":
		return &ImportError{Traceback: st.Traceback}
	case "bind_error":
		return fmt.Errorf("worker %d: %s", w.proc.pid(), st.Error)
	}
	return fmt.Errorf("worker %d: unknown status %q", w.proc.pid(), st.Event)
}
