package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// coldPoll is how often a cold start asks GET /: the resolution of its numbers.
const coldPoll = 5 * time.Millisecond

// coldServer is one way to serve the Flask app; args holds %PORT% for the port.
type coldServer struct {
	name string
	env  []string
	cmd  []string
}

// TestBenchColdStart measures the time from exec to the first 200 with the app's
// body, for the same Flask app under zoo-dev (headless), `flask run`, gunicorn and
// uWSGI's HTTP router. Each sample is a fresh start, interleaved across servers;
// the previous server's processes are stopped and gone before the next starts.
func TestBenchColdStart(t *testing.T) {
	needBench(t, "gunicorn", "uwsgi")
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, map[string]string{"app.py": fmt.Sprintf(flaskApp, "hello"),
		"zoo.toml": zooToml("flask", stackProcs, frontThreads, map[string]string{"WSGI_APP": "app.app"}, "")})
	pinPython(t, dir)

	const ref = "flask run"
	servers := []coldServer{
		{name: ref, cmd: []string{sysPython, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", "%PORT%"}},
		{name: "zoo-dev", cmd: []string{zooBin, "--no-tui", "--no-live-reload", "--listen", "127.0.0.1:%PORT%", dir}},
		{name: "gunicorn (sync)", cmd: []string{"gunicorn", "--workers", strconv.Itoa(stackProcs), "--worker-class", "sync",
			"--bind", "127.0.0.1:%PORT%", "--log-level", "warning", "app:app"}},
		{name: "uWSGI --http", cmd: []string{"uwsgi", "--plugin", "python3,http", "--http", "127.0.0.1:%PORT%", "--http-keepalive",
			"--master", "--die-on-term", "--disable-logging", "--processes", strconv.Itoa(stackProcs),
			"--wsgi-file", "app.py", "--callable", "app"}},
	}
	// One unmeasured start of each first: the page cache then holds every binary and
	// library, and the app's bytecode is compiled, for every measured start alike.
	for _, s := range servers {
		coldStart(t, dir, s)
	}
	ms := map[string][]float64{}
	for range runs {
		for _, s := range servers {
			d := coldStart(t, dir, s)
			t.Logf("%-16s cold start %6.0f ms", s.name, float64(d.Microseconds())/1000)
			ms[s.name] = append(ms[s.name], float64(d.Microseconds())/1000)
		}
	}
	refMed := summarize(ms[ref]).Med
	var rows [][]string
	for _, s := range servers {
		st, r := summarize(ms[s.name]), "1.00 (ref)"
		if s.name != ref {
			r = ratio(st.Med, refMed)
		}
		rows = append(rows, []string{s.name, fmt.Sprint(len(ms[s.name])), st.f(0), r})
	}
	addReport(table("Cold start: exec to the first 200 with the app's body", []string{"server", "starts", "ms median (min–max)", "ratio vs flask run"}, rows) +
		fmt.Sprintf("\nThe same Flask app; zoo-dev headless with %d workers × %d threads, gunicorn %d sync workers, uWSGI its HTTP router and %d processes, "+
			"`flask run` one process. The clock starts just before exec; GET / is asked every %d ms until it answers 200 with the app's body, "+
			"so the numbers have a resolution of %[5]d ms. Starts are interleaved across servers, each after the previous server's processes have exited, "+
			"and follow one unmeasured start of each (warm page cache, compiled bytecode).\n",
			stackProcs, frontThreads, stackProcs, stackProcs, coldPoll.Milliseconds()))
}

// coldStart starts s on a free port, times exec to the first 200 with the app's body,
// then stops the server and waits until its whole process group has exited.
func coldStart(t *testing.T, dir string, s coldServer) time.Duration {
	t.Helper()
	port := strconv.Itoa(freePort(t))
	args := make([]string, len(s.cmd))
	for i, a := range s.cmd {
		args[i] = strings.ReplaceAll(a, "%PORT%", port)
	}
	start := time.Now()
	p := startProc(t, dir, s.env, args[0], args[1:]...)
	d, err := firstServed("http://127.0.0.1:"+port+"/", "hello", start, 60*time.Second)
	if err != nil {
		t.Fatalf("%s: %v\n%s", s.name, err, strings.Join(p.out.tail(), "\n"))
	}
	tree := procTree(p.pid()) // zoo-dev's workers run in process groups of their own
	p.stop(t)
	waitGone(t, p.pid(), tree, 10*time.Second)
	return d
}

// firstServed asks url every coldPoll, each time on a new connection, until it answers
// 200 with want in the body, and returns the time since start.
func firstServed(url, want string, start time.Time, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(timeout))
	defer cancel()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var last string
	for {
		body, status, err := get(ctx, c, url)
		if err == nil && status == 200 && strings.Contains(body, want) {
			return time.Since(start), nil
		}
		last = fmt.Sprintf("status %d, err %v, body %.80q", status, err, body)
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("no 200 with %q within %s: %s", want, timeout, last)
		case <-time.After(coldPoll):
		}
	}
}

// waitGone waits until every process of tree (read just before the stop) has exited,
// so the next start finds its port and the CPU free; a zombie counts as exited. Past
// the timeout it kills the group pgid, but only while one of tree is still in it: the
// group's number cannot be reused while a member lives, so the signal reaches only
// processes this bench started. Anything else left is logged, not signalled.
func waitGone(t *testing.T, pgid int, tree []int, timeout time.Duration) {
	t.Helper()
	start, killed := time.Now(), false
	for {
		var left []int
		inGroup := false
		for _, pid := range tree {
			if ok, g := running(pid); ok {
				left = append(left, pid)
				inGroup = inGroup || g == pgid
			}
		}
		switch {
		case len(left) == 0:
			return
		case time.Since(start) > 2*timeout:
			t.Logf("processes %v still there %s after the stop; going on", left, 2*timeout)
			return
		case !killed && time.Since(start) > timeout:
			t.Logf("processes %v still there %s after the stop", left, timeout)
			if inGroup {
				syscall.Kill(-pgid, syscall.SIGKILL)
			}
			killed = true
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running says whether pid is a process that has not exited (a zombie has), and its process group.
func running(pid int) (bool, int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false, 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])) // f[0] is field 3, the state; f[2] field 5, the group
	if len(f) < 3 || f[0] == "Z" {
		return false, 0
	}
	g, _ := strconv.Atoi(f[2])
	return true, g
}
