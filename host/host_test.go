package host

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// fakeFront records what the host tells the proxy.
type fakeFront struct {
	mu      sync.Mutex
	serves  chan served
	retired chan int
	status  chan Status
}

type served struct {
	gen     int
	workers []Endpoint
}

func newFakeFront() *fakeFront {
	return &fakeFront{serves: make(chan served, 32), retired: make(chan int, 32), status: make(chan Status, 64)}
}

func (f *fakeFront) Serve(app string, gen int, w []Endpoint) { f.serves <- served{gen, w} }
func (f *fakeFront) Retire(ctx context.Context, app string, gen int) error {
	f.retired <- gen
	return nil
}
func (f *fakeFront) SetStatus(app string, st Status) { f.status <- st }
func (f *fakeFront) Load(app string) map[int]Load    { return nil }

func testApp(t *testing.T, files map[string]string) *config.App {
	t.Helper()
	py := testtool.Python3(t)
	root := t.TempDir()
	for name, body := range files {
		os.WriteFile(filepath.Join(root, name), []byte(body), 0o644)
	}
	a := &config.App{Name: "t", Path: "/", Root: root, Engine: "python.3.wsgi", Python: py,
		MinWorkers: 1, MaxWorkers: 3, Threads: 2, WSGIApp: "app:application",
		RequestTimeout: 5 * time.Second, StartTimeout: 10 * time.Second}
	if _, ok := files["deploy.py"]; ok {
		a.DeployFile = filepath.Join(root, "deploy.py")
	}
	return a
}

const okApp = "def application(e, s):\n    s('200 OK', [('Content-Type', 'text/plain')])\n    return [b'ok']\n"

// runHost starts a host for a and returns it with its fake frontend; the host stops
// at the end of the test and every worker must be gone by then.
func runHost(t *testing.T, a *config.App) (*Host, *fakeFront, *event.Sub) {
	t.Helper()
	bus := event.NewBus()
	sub := bus.Subscribe(4096)
	front := newFakeFront()
	h := startHost(t, &config.Site{Apps: []*config.App{a}}, bus, front)
	return h, front, sub
}

// startHost runs a host for site until the end of the test.
func startHost(t *testing.T, site *config.Site, bus *event.Bus, front Frontend) *Host {
	t.Helper()
	h, err := New(site, Options{Bus: bus, Frontend: front, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("host did not stop within 15 s")
		}
	})
	return h
}

func waitServe(t *testing.T, f *fakeFront) served {
	t.Helper()
	select {
	case s := <-f.serves:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("no Serve within 20 s")
	}
	return served{}
}

// waitEvent waits for an event that satisfies ok.
func waitEvent(t *testing.T, sub *event.Sub, ok func(event.Event) bool) event.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	var buf []event.Event
	for {
		buf, _ = sub.Drain(buf[:0])
		for _, e := range buf {
			if ok(e) {
				return e
			}
		}
		select {
		case <-sub.Ready():
		case <-deadline:
			t.Fatal("no matching event within 20 s")
		}
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestRestartStartsNewGenerationAndRetiresOld(t *testing.T) {
	h, front, sub := runHost(t, testApp(t, map[string]string{"app.py": okApp}))
	first := waitServe(t, front)
	if first.gen != 1 || len(first.workers) != 1 {
		t.Fatalf("first Serve = gen %d with %d workers, want gen 1 with 1", first.gen, len(first.workers))
	}
	old := first.workers[0].PID
	h.Restart("t")
	second := waitServe(t, front)
	if second.gen != 2 || second.workers[0].PID == old {
		t.Fatalf("after restart Serve = gen %d pid %d, want gen 2 and a new pid", second.gen, second.workers[0].PID)
	}
	if g := <-front.retired; g != 1 {
		t.Fatalf("retired generation %d, want 1", g)
	}
	waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindReload && e.Reload.Gen == 2 })
	deadline := time.Now().Add(5 * time.Second)
	for alive(old) && time.Now().Before(deadline) {
		waitEvent(t, sub, func(e event.Event) bool { return true })
	}
	if alive(old) {
		t.Errorf("old worker %d still alive after its generation was retired", old)
	}
}

func TestImportErrorKeepsOldGeneration(t *testing.T) {
	a := testApp(t, map[string]string{"app.py": okApp})
	h, front, sub := runHost(t, a)
	first := waitServe(t, front)
	os.WriteFile(filepath.Join(a.Root, "app.py"), []byte("def application(:\n"), 0o644)
	h.Restart("t")
	e := waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindReload })
	if e.Reload.Err == "" || !strings.Contains(e.Reload.Err, "SyntaxError") {
		t.Fatalf("reload event %+v, want a SyntaxError", e.Reload)
	}
	if !alive(first.workers[0].PID) {
		t.Fatal("the old worker died after a failed reload")
	}
	select {
	case s := <-front.serves:
		t.Fatalf("Serve(gen %d) after a failed reload", s.gen)
	default:
	}
}

func TestCrashedWorkerIsReplaced(t *testing.T) {
	_, front, sub := runHost(t, testApp(t, map[string]string{"app.py": okApp}))
	first := waitServe(t, front)
	pid := first.workers[0].PID
	syscall.Kill(pid, syscall.SIGKILL)
	if s := waitServe(t, front); len(s.workers) != 0 {
		t.Fatalf("after the crash Serve listed %d workers, want 0", len(s.workers))
	}
	s := waitServe(t, front)
	if len(s.workers) != 1 || s.workers[0].PID == pid {
		t.Fatalf("replacement Serve = %+v", s)
	}
	waitEvent(t, sub, func(e event.Event) bool {
		return e.Kind == event.KindLog && strings.Contains(e.Text, "restarting in")
	})
}

func TestFailedDeployFailsTheApp(t *testing.T) {
	a := testApp(t, map[string]string{"app.py": okApp,
		"deploy.py": "print('step 1')\nraise SystemExit(3)\n"})
	_, front, _ := runHost(t, a)
	for {
		select {
		case st := <-front.status:
			if st.State != event.StateFailed {
				continue
			}
			lines, done, _ := st.Deploy.Lines(0)
			if !done || st.Deploy.Status() != 3 || len(lines) == 0 || lines[0] != "step 1" {
				t.Fatalf("failed deploy output %q done=%v status=%d", lines, done, st.Deploy.Status())
			}
			return
		case s := <-front.serves:
			t.Fatalf("Serve(gen %d) after a failed deploy", s.gen)
		case <-time.After(20 * time.Second):
			t.Fatal("no FAILED state within 20 s")
		}
	}
}

func TestSetWorkersScalesWithinLimits(t *testing.T) {
	h, front, sub := runHost(t, testApp(t, map[string]string{"app.py": okApp}))
	waitServe(t, front)
	h.SetWorkers("t", +1)
	if s := waitServe(t, front); len(s.workers) != 2 || s.gen != 1 {
		t.Fatalf("after +1: gen %d with %d workers, want gen 1 with 2", s.gen, len(s.workers))
	}
	h.SetWorkers("t", +5) // max_workers is 3
	if s := waitServe(t, front); len(s.workers) != 3 {
		t.Fatalf("after +5: %d workers, want the max of 3", len(s.workers))
	}
	h.SetWorkers("t", -5)
	if s := waitServe(t, front); len(s.workers) != 1 {
		t.Fatalf("after -5: %d workers, want 1", len(s.workers))
	}
	h.SetWorkers("t", -1)
	waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindLog && strings.Contains(e.Text, "already 1") })
}

// A restart takes its workers from the spares started after the previous
// generation, with the libraries the app used already imported.
func TestRestartUsesSpares(t *testing.T) {
	app := "import json, email.mime.text\n" + okApp // libraries a spare preloads
	h, front, sub := runHost(t, testApp(t, map[string]string{"app.py": app}))
	waitServe(t, front)
	h.Restart("t")
	e := waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindReload })
	if e.Reload.Err != "" || e.Reload.Spares != 1 {
		t.Fatalf("reload %+v, want its one worker from a spare", e.Reload)
	}
	s := waitServe(t, front)
	if len(s.workers) != 1 || s.gen != 2 {
		t.Fatalf("Serve after restart = %+v", s)
	}
}

// A restart asked for during a deploy waits for it: the deploy is not cut short,
// then the restart runs.
func TestRestartDuringDeployWaits(t *testing.T) {
	a := testApp(t, map[string]string{"app.py": okApp,
		"deploy.py": "print('step one')\nopen('gate').read()\nprint('step two')\n"})
	if err := syscall.Mkfifo(filepath.Join(a.Root, "gate"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, front, sub := runHost(t, a)
	waitEvent(t, sub, func(e event.Event) bool { return e.Source == event.SourceDeploy && e.Text == "step one" })
	h.Restart("t")
	gate, err := os.OpenFile(filepath.Join(a.Root, "gate"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	gate.WriteString("go\n")
	gate.Close()
	waitEvent(t, sub, func(e event.Event) bool { return e.Source == event.SourceDeploy && e.Text == "step two" })
	if s := waitServe(t, front); s.gen != 1 {
		t.Fatalf("first Serve is generation %d, want 1", s.gen)
	}
	if s := waitServe(t, front); s.gen != 2 {
		t.Fatalf("the restart asked for during the deploy served generation %d, want 2", s.gen)
	}
}

// After a failed deploy nothing starts until a deploy succeeds: a restart deploys again.
func TestFailedDeployRunsAgainOnRestart(t *testing.T) {
	a := testApp(t, map[string]string{"app.py": okApp,
		"deploy.py": "import os\nprint('deploying')\nraise SystemExit(0 if os.path.exists('fixed') else 3)\n"})
	h, front, sub := runHost(t, a)
	waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindState && e.State == event.StateFailed })
	os.WriteFile(filepath.Join(a.Root, "fixed"), nil, 0o644)
	h.Restart("t")
	waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindState && e.State == event.StateDeploying })
	if s := waitServe(t, front); s.gen != 2 || len(s.workers) != 1 {
		t.Fatalf("after the fixed deploy Serve = %+v, want generation 2", s)
	}
}

// A worker whose child left its process group and holds its output pipes open is
// still seen to exit, and replaced.
func TestCrashSeenDespiteChildHoldingOutput(t *testing.T) {
	app := "import subprocess\n" +
		"p = subprocess.Popen(['sleep', '300'], start_new_session=True)\n" +
		"open('child.pids', 'a').write('%d\\n' % p.pid)\n" + okApp
	a := testApp(t, map[string]string{"app.py": app})
	t.Cleanup(func() { // the test's own orphans: end them by their pids
		b, _ := os.ReadFile(filepath.Join(a.Root, "child.pids"))
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	_, front, _ := runHost(t, a)
	first := waitServe(t, front)
	syscall.Kill(first.workers[0].PID, syscall.SIGKILL)
	waitServe(t, front) // the crashed worker taken out
	if s := waitServe(t, front); len(s.workers) != 1 || s.workers[0].PID == first.workers[0].PID {
		t.Fatalf("replacement Serve = %+v", s)
	}
}
