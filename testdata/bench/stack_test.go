package bench

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// stackProcs is the process count every whole stack gets (Flask's dev server is
// one threaded process by design).
const stackProcs = 2

// stackConns are the wrk connection counts of the whole-stack runs.
var stackConns = []int{16, 64}

// TestBenchStack measures what a user would run instead of zoo-dev on the same
// Flask app: gunicorn (sync workers), uWSGI's HTTP router, Flask's dev server.
// Each server's whole process tree is read for idle memory before any load, and
// for CPU time around every wrk run.
func TestBenchStack(t *testing.T) {
	needBench(t, "wrk", "gunicorn", "uwsgi")
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, map[string]string{"app.py": fmt.Sprintf(flaskApp, "hello"),
		"zoo.toml": zooToml("flask", stackProcs, frontThreads, map[string]string{"WSGI_APP": "app.app"}, "")})
	pinPython(t, dir)
	z := startZoo(t, dir)

	gPort, uPort, fPort := freePort(t), freePort(t), freePort(t)
	g := startProc(t, dir, nil, "gunicorn", "--workers", strconv.Itoa(stackProcs), "--worker-class", "sync",
		"--bind", fmt.Sprintf("127.0.0.1:%d", gPort), "--log-level", "warning", "app:app")
	u := startProc(t, dir, nil, "uwsgi", "--plugin", "python3,http", "--http", fmt.Sprintf("127.0.0.1:%d", uPort), "--http-keepalive",
		"--master", "--die-on-term", "--disable-logging", "--processes", strconv.Itoa(stackProcs),
		"--wsgi-file", "app.py", "--callable", "app")
	f := startProc(t, dir, []string{"FLASK_APP=app"}, sysPython, "-m", "flask", "run", "--with-threads",
		"--host", "127.0.0.1", "--port", strconv.Itoa(fPort))
	for _, p := range []int{gPort, uPort, fPort} {
		waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", p), "hello", 60*time.Second)
	}

	const ref = "gunicorn (sync)"
	targets := []target{
		{name: ref, url: fmt.Sprintf("http://127.0.0.1:%d/", gPort), pid: g.pid(), cpu: cpuTree},
		{name: "zoo-dev", url: z.URL + "/", ref: ref, pid: z.pid(), cpu: cpuSplit},
		{name: "uWSGI --http", url: fmt.Sprintf("http://127.0.0.1:%d/", uPort), ref: ref, pid: u.pid(), cpu: cpuTree},
		{name: "flask run (threaded)", url: fmt.Sprintf("http://127.0.0.1:%d/", fPort), ref: ref, pid: f.pid(), cpu: cpuTree},
	}
	addReport(idleMemory(t, targets))
	res := measure(t, targets, stackConns)
	addReport(wrkTable(fmt.Sprintf("Whole stack: the same Flask app, %d processes each", stackProcs), targets, stackConns, res) +
		fmt.Sprintf("\nzoo-dev: %d workers × %d threads behind its HTTP front; gunicorn: %d sync workers; uWSGI: its HTTP router (`--http-keepalive`) and %d processes; "+
			"Flask's dev server: one process, a thread per request. zoo-dev headless prints one line per request, as it does for a user. "+
			"Server CPU: utime + stime of the server's whole process tree (the process the bench started and every descendant, "+
			"walked again after each run so processes started during it count), read before and after each wrk run and divided by the requests wrk completed; "+
			"the wrk client is not counted. zoo-dev's number is split into its own Go process and its Python workers (each part its own median over the runs). "+
			"The clock tick is 10 ms per process, so short runs round coarsely.\n",
			stackProcs, frontThreads, stackProcs, stackProcs))
}

// idleMemory renders the idle memory of each target's process tree, read after the
// server has answered and before any load. Every tree first has to stop growing:
// zoo-dev starts spare workers only with its first reload; waiting for a steady
// process count still guards against a tree that grows after the first answer.
func idleMemory(t *testing.T, targets []target) string {
	t.Helper()
	mems := map[string]treeMem{}
	for _, tg := range targets {
		if !waitTreeSteady(tg.pid, 2*time.Second, 30*time.Second) {
			t.Logf("%s: process count still changing after 30 s", tg.name)
		}
		mems[tg.name] = readTreeMem(tg.pid)
	}
	var rows [][]string
	for _, tg := range targets {
		m, r := mems[tg.name], "1.00 (ref)"
		if tg.ref != "" {
			r = ratio(float64(m.rss), float64(mems[tg.ref].rss))
		}
		rows = append(rows, []string{tg.name, fmt.Sprint(m.procs), fmt.Sprintf("%.1f", float64(m.rss)/1024),
			fmt.Sprintf("%.1f", float64(m.pss)/1024), r})
	}
	return table("Whole stack: total idle memory", []string{"server", "processes", "RSS MiB", "PSS MiB", "RSS ratio"}, rows) +
		"\nSummed over the server's whole process tree after it answered one request and its process count held for 2 s, before any load; " +
		"zoo-dev's includes its workers and any spare workers (none before the first reload). " +
		"RSS counts a page shared between forked processes once in every process; PSS divides it among them.\n"
}
