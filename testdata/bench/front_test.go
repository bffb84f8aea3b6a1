package bench

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// The worker layout both fronts get: 2 processes × 4 threads.
const (
	frontWorkers = 2
	frontThreads = 4
)

// target is one URL measured with wrk; ref names the row it is compared with.
// With cpu set, measure samples the CPU time of the process tree rooted at pid.
type target struct {
	name string
	url  string
	ref  string // "" for a reference row
	pid  int
	cpu  cpuScope
}

// TestBenchFront measures the front-end alone: the same Python workers (and the
// same uWSGI) reached through zoo-dev and through nginx fastcgi_pass with kept
// connections, interleaved run by run so load from elsewhere hits both alike.
func TestBenchFront(t *testing.T) {
	needBench(t, "wrk", "uwsgi")
	hello := t.TempDir()
	testtool.WriteFiles(t, hello, map[string]string{"app.py": helloApp,
		"zoo.toml": zooToml("hello", frontWorkers, frontThreads, map[string]string{"WSGI_APP": "app.application"}, "")})
	pinPython(t, hello)
	socks := startWorkers(t, hello, frontWorkers, frontThreads)

	uw := t.TempDir()
	uwsgiArgs := []string{"--plugin", "python3", "--master", "--die-on-term", "--disable-logging",
		"--processes", strconv.Itoa(frontWorkers), "--threads", strconv.Itoa(frontThreads),
		"--wsgi-file", "app.py", "--callable", "application"}
	engine := fmt.Sprintf("engine = \"uwsgi.fastcgi\"\n[engines.\"uwsgi.fastcgi\"]\ncommand = \"uwsgi\"\nargs = %s\nprotocol = \"fastcgi\"\ntransport = \"unix\"",
		tomlList(append([]string{"--fastcgi-socket", "%SOCKET%"}, uwsgiArgs...)))
	testtool.WriteFiles(t, uw, map[string]string{"app.py": helloApp,
		"zoo.toml": zooToml("hello-uwsgi", 1, frontWorkers*frontThreads, nil, engine)})
	uSock := filepath.Join(t.TempDir(), "u.sock")
	startProc(t, uw, nil, "uwsgi", append([]string{"--fastcgi-socket", uSock}, uwsgiArgs...)...)
	waitDial(t, "unix", uSock, 30*time.Second)

	// keepalive is per nginx worker process (one per core), as a tuned production nginx sets it;
	// an idle kept connection holds no worker thread.
	const keepalive = 16
	py := &nginxFront{name: "pyworkers", sockets: socks, keepalive: keepalive}
	pyNew := &nginxFront{name: "pyworkers_new", sockets: startWorkers(t, hello, frontWorkers, frontThreads)}
	uu := &nginxFront{name: "uwsgi", sockets: []string{uSock}, keepalive: keepalive}
	ngx := startNginx(t, []*nginxFront{py, pyNew, uu}).pid()
	zPy := startZoo(t, hello)
	zU := startZoo(t, uw)

	// CPU is the front's alone: nginx's master and workers (the workers it reaches are
	// separate processes), zoo-dev's own process without the workers it starts.
	targets := []target{
		{name: "nginx → worker.py, keepalive", url: fmt.Sprintf("http://127.0.0.1:%d/", py.port), pid: ngx, cpu: cpuTree},
		{name: "nginx → worker.py, new conn", url: fmt.Sprintf("http://127.0.0.1:%d/", pyNew.port), ref: "nginx → worker.py, keepalive", pid: ngx, cpu: cpuTree},
		{name: "zoo-dev → worker.py", url: zPy.URL + "/", ref: "nginx → worker.py, keepalive", pid: zPy.pid(), cpu: cpuRoot},
		{name: "nginx → uWSGI", url: fmt.Sprintf("http://127.0.0.1:%d/", uu.port), pid: ngx, cpu: cpuTree},
		{name: "zoo-dev → uWSGI", url: zU.URL + "/", ref: "nginx → uWSGI", pid: zU.pid(), cpu: cpuRoot},
	}
	res := measure(t, targets, []int{16, 64})
	addReport(wrkTable(fmt.Sprintf("Front-end overhead: the same workers (%d × %d threads) behind each front", frontWorkers, frontThreads),
		targets, []int{16, 64}, res) +
		"\nzoo-dev starts its own workers from the same worker.py, interpreter and app; nginx reaches workers the bench starts. " +
		"uWSGI runs `--fastcgi-socket` with the same processes and threads; zoo-dev runs it as a custom engine from zoo.toml. " +
		"uWSGI closes every FastCGI connection after the response (it ignores FCGI_KEEP_CONN), so neither front keeps connections to it. " +
		"nginx runs one worker process per core with `keepalive 16` and `fastcgi_keep_conn on`; the new-conn row is the same nginx without them. " +
		"Server CPU is the front's process tree only, utime + stime read before and after each wrk run and divided by the requests wrk completed: " +
		"nginx's master and workers (one nginx serves all three nginx rows, measured one at a time), zoo-dev's own process without its Python children; " +
		"the workers behind either front and the wrk client are not counted.\n")
}

// tomlList renders strings as a TOML array.
func tomlList(xs []string) string {
	s := "["
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(x)
	}
	return s + "]"
}

// startWorkers starts n zoo-dev Python workers on unix sockets, as zoo-dev would,
// and returns their socket paths once each accepts.
func startWorkers(t *testing.T, dir string, n, threads int) []string {
	t.Helper()
	sockDir := t.TempDir()
	var socks []string
	for i := range n {
		s := filepath.Join(sockDir, fmt.Sprintf("w%d.sock", i))
		startProc(t, dir, []string{"PYTHONUNBUFFERED=1"}, sysPython, "-u", workerPy,
			"--app", "app:application", "--root", dir, "--bind", "unix:"+s, "--threads", strconv.Itoa(threads))
		socks = append(socks, s)
	}
	for _, s := range socks {
		waitDial(t, "unix", s, 30*time.Second)
	}
	return socks
}
