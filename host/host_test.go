package host

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// fakeFront records what the host tells the proxy.
type fakeFront struct {
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
		RequestTimeout: 5 * time.Second, StartTimeout: waitLimit}
	if _, ok := files["deploy.py"]; ok {
		a.DeployFile = filepath.Join(root, "deploy.py")
	}
	return a
}

// waitLimit bounds every wait for a process in these tests. Passing runs take a
// second or two; the limit is for a machine so loaded that starting Python takes
// many seconds, where a tight one would fail a correct host.
const waitLimit = 90 * time.Second

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
		case <-time.After(waitLimit):
			t.Errorf("host did not stop within %s", waitLimit)
		}
	})
	return h
}

func waitServe(t *testing.T, f *fakeFront) served {
	t.Helper()
	select {
	case s := <-f.serves:
		return s
	case <-time.After(waitLimit):
		t.Fatalf("no Serve within %s", waitLimit)
	}
	return served{}
}

// waitEvent waits for an event that satisfies ok.
func waitEvent(t *testing.T, sub *event.Sub, ok func(event.Event) bool) event.Event {
	t.Helper()
	deadline := time.After(waitLimit)
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
			t.Fatalf("no matching event within %s", waitLimit)
		}
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// The first start keeps no spare; the first restart starts cold and leaves a spare
// (the app's libraries already imported) that the next restart's generation comes
// from. A restart serves the new generation and retires the old one; a restart
// whose code does not import keeps the serving generation.
func TestRestartUsesSparesAndKeepsOldOnImportError(t *testing.T) {
	t.Parallel()
	a := testApp(t, map[string]string{"app.py": "import json, email.mime.text\n" + okApp})
	h, front, sub := runHost(t, a)
	first := waitServe(t, front)
	if first.gen != 1 || len(first.workers) != 1 {
		t.Fatalf("first Serve = gen %d with %d workers, want gen 1 with 1", first.gen, len(first.workers))
	}
	old := first.workers[0].PID
	var second served
	for gen, spares := range []int{0, 1} {
		h.Restart("t")
		second = waitServe(t, front)
		if second.gen != gen+2 || len(second.workers) != 1 || second.workers[0].PID == old {
			t.Fatalf("after restart Serve = %+v, want gen %d and a new pid", second, gen+2)
		}
		if g := <-front.retired; g != gen+1 {
			t.Fatalf("retired generation %d, want %d", g, gen+1)
		}
		e := waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindReload })
		if e.Reload.Err != "" || e.Reload.Spares != spares || e.Reload.Gen != gen+2 {
			t.Fatalf("reload %+v, want generation %d with %d worker(s) from a spare", e.Reload, gen+2, spares)
		}
		waitGone(t, old)
		old = second.workers[0].PID
	}

	os.WriteFile(filepath.Join(a.Root, "app.py"), []byte("def application(:\n"), 0o644)
	h.Restart("t")
	e := waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindReload })
	if e.Reload.Err == "" || !strings.Contains(e.Reload.Err, "SyntaxError") {
		t.Fatalf("reload event %+v, want a SyntaxError", e.Reload)
	}
	if !alive(second.workers[0].PID) {
		t.Fatal("the serving worker died after a failed reload")
	}
	select {
	case s := <-front.serves:
		t.Fatalf("Serve(gen %d) after a failed reload", s.gen)
	default:
	}
}

// waitGone waits until pid has exited. /proc has no exit notification for a
// process the test did not start, so it looks every 20 ms, up to waitLimit.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("worker %d still running", pid)
	}
}

func TestFailedDeployFailsTheApp(t *testing.T) {
	t.Parallel()
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
		case <-time.After(waitLimit):
			t.Fatalf("no FAILED state within %s", waitLimit)
		}
	}
}

func TestSetWorkersScalesWithinLimits(t *testing.T) {
	t.Parallel()
	h, front, _ := runHost(t, testApp(t, map[string]string{"app.py": okApp}))
	waitServe(t, front)
	h.SetWorkers("t", +1)
	s := waitServe(t, front)
	if len(s.workers) != 2 || s.gen != 1 {
		t.Fatalf("after +1: gen %d with %d workers, want gen 1 with 2", s.gen, len(s.workers))
	}
	h.SetWorkers("t", -1)
	if s := waitServe(t, front); len(s.workers) != 1 {
		t.Fatalf("after -1: %d workers, want 1", len(s.workers))
	}
	waitGone(t, s.workers[1].PID)
}

// A worker that dies is replaced, even when a child it started left its process
// group and holds its output pipes open.
func TestCrashSeenDespiteChildHoldingOutput(t *testing.T) {
	t.Parallel()
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
	_, front, sub := runHost(t, a)
	first := waitServe(t, front)
	syscall.Kill(first.workers[0].PID, syscall.SIGKILL)
	if s := waitServe(t, front); len(s.workers) != 0 {
		t.Fatalf("after the crash Serve listed %d workers, want 0", len(s.workers))
	}
	if s := waitServe(t, front); len(s.workers) != 1 || s.workers[0].PID == first.workers[0].PID {
		t.Fatalf("replacement Serve = %+v", s)
	}
	waitEvent(t, sub, func(e event.Event) bool {
		return e.Kind == event.KindLog && strings.Contains(e.Text, "restarting in")
	})
}

// Reconfigure starts a new generation with the edited settings (its variables,
// its worker count), serves it and retires the old one; an app the host does not
// run is refused and nothing changes.
func TestReconfigureStartsGenerationWithNewSettings(t *testing.T) {
	t.Parallel()
	app := "import os\nopen(os.path.join(os.path.dirname(__file__), 'seen-' + os.environ['GREETING']), 'w').close()\n" + okApp
	a := testApp(t, map[string]string{"app.py": app})
	a.Env = []config.EnvVar{{Name: "GREETING", Value: "one"}}
	h, front, sub := runHost(t, a)
	if first := waitServe(t, front); first.gen != 1 || len(first.workers) != 1 {
		t.Fatalf("first Serve = gen %d with %d workers, want gen 1 with 1", first.gen, len(first.workers))
	}
	edited := *a
	edited.Env = []config.EnvVar{{Name: "GREETING", Value: "two"}}
	edited.MinWorkers = 2
	site := &config.Site{File: filepath.Join(a.Root, "zoo.toml"), Apps: []*config.App{&edited}}
	if err := h.Reconfigure(&config.Site{File: site.File, Apps: []*config.App{&edited, {Name: "new"}}}, []string{"t"}); err == nil ||
		!strings.Contains(err.Error(), "app new is new: adding an app takes a restart of zoo-dev") {
		t.Fatalf("Reconfigure with an added app: %v, want it refused", err)
	}
	if err := h.Reconfigure(site, []string{"t"}); err != nil {
		t.Fatal(err)
	}
	second := waitServe(t, front)
	if second.gen != 2 || len(second.workers) != 2 {
		t.Fatalf("after Reconfigure Serve = gen %d with %d workers, want gen 2 with 2", second.gen, len(second.workers))
	}
	if g := <-front.retired; g != 1 {
		t.Fatalf("retired generation %d, want 1", g)
	}
	e := waitEvent(t, sub, func(e event.Event) bool { return e.Kind == event.KindReload })
	if e.Reload.Err != "" || e.Reload.Trigger != "zoo.toml" || e.Reload.Spares != 0 {
		t.Fatalf("reload %+v, want zoo.toml served by fresh workers", e.Reload)
	}
	if _, err := os.Stat(filepath.Join(a.Root, "seen-two")); err != nil {
		t.Fatalf("the new generation did not get GREETING=two: %v", err)
	}
}
