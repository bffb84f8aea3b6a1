package bench

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// helloApp is the smallest WSGI app: the front-end benchmarks measure the path
// to it, not the app.
const helloApp = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello\n"]
`

// flaskApp is the same hello in Flask; MESSAGE is what the reload benchmark rewrites.
const flaskApp = `from flask import Flask

MESSAGE = %q

app = Flask(__name__)
application = app


@app.route("/")
def index():
    return MESSAGE
`

// pinPython makes zoo-dev run the app with sysPython, like the other servers:
// a .venv/bin/python in the app root is the interpreter zoo-dev prefers.
func pinPython(t *testing.T, dir string) {
	t.Helper()
	bin := filepath.Join(dir, ".venv", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sysPython, filepath.Join(bin, "python")); err != nil {
		t.Fatal(err)
	}
}

// zooToml is a one-app zoo.toml: workers fixed, env as given, an optional engine block.
func zooToml(name string, workers, threads int, env map[string]string, engine string) string {
	var b strings.Builder
	if engine == "" {
		engine = `engine = "python.3.wsgi"`
	}
	fmt.Fprintf(&b, "[[app]]\nname = %q\n%s\nmin_workers = %d\nmax_workers = %d\nthreads = %d\n\n[app.env]\n",
		name, strings.SplitN(engine, "\n", 2)[0], workers, workers, threads)
	for k, v := range env {
		fmt.Fprintf(&b, "%s = %q\n", k, v)
	}
	if rest := strings.SplitN(engine, "\n", 2); len(rest) == 2 {
		b.WriteString("\n" + rest[1] + "\n")
	}
	return b.String()
}

// zooRun is a headless zoo-dev serving one project.
type zooRun struct {
	*proc
	URL string // http://127.0.0.1:PORT
}

var listenRE = regexp.MustCompile(`listening on (http://[^/\s]+)/`)

// startZoo runs zoo-dev --no-tui on dir and waits until it has bound its port
// and the app answers. The live refresh script is off: the peers inject nothing
// into HTML pages, and the reload bench compares bodies.
func startZoo(t *testing.T, dir string, extra ...string) *zooRun {
	t.Helper()
	args := append([]string{"--no-tui", "--no-live-reload", "--listen", "127.0.0.1:0"}, extra...)
	p := startProc(t, dir, nil, zooBin, append(args, dir)...)
	line, err := p.out.waitFor(listenRE, 30*time.Second)
	if err != nil {
		t.Fatalf("zoo-dev: %v\n%s", err, strings.Join(p.out.tail(), "\n"))
	}
	z := &zooRun{proc: p, URL: listenRE.FindStringSubmatch(line)[1]}
	waitHTTP(t, z.URL+"/", "", 60*time.Second)
	return z
}

// waitDial waits until something accepts on network/address.
func waitDial(t *testing.T, network, address string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout(network, address, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing accepted on %s within %s: %v", address, timeout, err)
		}
		<-time.After(20 * time.Millisecond)
	}
}

// execOut runs a short command in dir and returns its combined output.
func execOut(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}
