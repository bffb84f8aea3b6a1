package bench

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// stackProcs is the process count every whole stack gets (Flask's dev server is
// one threaded process by design).
const stackProcs = 2

// TestBenchStack measures what a user would run instead of zoo-dev on the same
// Flask app: gunicorn (sync workers), uWSGI's HTTP router, Flask's dev server.
func TestBenchStack(t *testing.T) {
	needBench(t, "wrk", "gunicorn", "uwsgi")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"app.py": fmt.Sprintf(flaskApp, "hello"),
		"zoo.toml": zooToml("flask", stackProcs, frontThreads, map[string]string{"WSGI_APP": "app.app"}, "")})
	pinPython(t, dir)
	z := startZoo(t, dir)

	gPort, uPort, fPort := freePort(t), freePort(t), freePort(t)
	startProc(t, dir, nil, "gunicorn", "--workers", strconv.Itoa(stackProcs), "--worker-class", "sync",
		"--bind", fmt.Sprintf("127.0.0.1:%d", gPort), "--log-level", "warning", "app:app")
	startProc(t, dir, nil, "uwsgi", "--plugin", "python3,http", "--http", fmt.Sprintf("127.0.0.1:%d", uPort), "--http-keepalive",
		"--master", "--die-on-term", "--disable-logging", "--processes", strconv.Itoa(stackProcs),
		"--wsgi-file", "app.py", "--callable", "app")
	startProc(t, dir, []string{"FLASK_APP=app"}, sysPython, "-m", "flask", "run", "--with-threads",
		"--host", "127.0.0.1", "--port", strconv.Itoa(fPort))
	for _, p := range []int{gPort, uPort, fPort} {
		waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", p), "hello", 60*time.Second)
	}

	const ref = "gunicorn (sync)"
	targets := []target{
		{name: ref, url: fmt.Sprintf("http://127.0.0.1:%d/", gPort)},
		{name: "zoo-dev", url: z.URL + "/", ref: ref},
		{name: "uWSGI --http", url: fmt.Sprintf("http://127.0.0.1:%d/", uPort), ref: ref},
		{name: "flask run (threaded)", url: fmt.Sprintf("http://127.0.0.1:%d/", fPort), ref: ref},
	}
	res := measure(t, targets, []int{16})
	addReport(wrkTable(fmt.Sprintf("Whole stack: the same Flask app, %d processes each", stackProcs), targets, []int{16}, res) +
		fmt.Sprintf("\nzoo-dev: %d workers × %d threads behind its HTTP front; gunicorn: %d sync workers; uWSGI: its HTTP router (`--http-keepalive`) and %d processes; "+
			"Flask's dev server: one process, a thread per request. zoo-dev headless prints one line per request, as it does for a user.\n",
			stackProcs, frontThreads, stackProcs, stackProcs))
}
