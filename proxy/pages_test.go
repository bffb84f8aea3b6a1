package proxy

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

const helloApp = `import os, sys
def half():
    yield b"first part"
    os._exit(9)
def application(environ, start_response):
    if environ["PATH_INFO"] == "/half":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return half()
    if environ["PATH_INFO"] == "/crash":
        sys.stderr.write("about to crash: <b>boom</b>\n")
        sys.stderr.flush()
        os._exit(9)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from the app"]
`

// site is a real host and proxy for one app written into a temporary folder.
type site struct {
	root string
	url  string
}

// startSite runs files as an app through a real host and this package's server.
func startSite(t *testing.T, files map[string]string, tweak func(*config.App)) *site {
	t.Helper()
	py := testtool.Python3(t)
	root := t.TempDir()
	for name, body := range files {
		if body == "fifo" {
			if err := syscall.Mkfifo(filepath.Join(root, name), 0o600); err != nil {
				t.Fatal(err)
			}
			continue
		}
		os.WriteFile(filepath.Join(root, name), []byte(body), 0o644)
	}
	a := &config.App{Name: "web", Path: "/", Root: root, Engine: "python.3.wsgi", Python: py,
		MinWorkers: 1, MaxWorkers: 1, Threads: 2, WSGIApp: "app:application",
		RequestTimeout: 10 * time.Second, StartTimeout: 10 * time.Second}
	if _, ok := files["deploy.py"]; ok {
		a.DeployFile = filepath.Join(root, "deploy.py")
	}
	if tweak != nil {
		tweak(a)
	}
	cs := &config.Site{Apps: []*config.App{a}}
	bus := event.NewBus()
	srv := New(cs, bus)
	h, err := host.New(cs, host.Options{Bus: bus, Frontend: srv, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() {
		hs.CloseClientConnections()
		cancel()
		<-done
		hs.Close()
	})
	return &site{root: root, url: hs.URL}
}

// get sends a GET that accepts HTML (a browser) or anything (curl).
func get(t *testing.T, url string, browser bool) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if browser {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	} else {
		req.Header.Set("Accept", "*/*")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// release writes to the fifo a deploy script or app waits on.
func (s *site) release(t *testing.T, name string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(s.root, name), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("go\n")
	f.Close()
}

const slowDeploy = `print("step one <i>")
open("gate").read()
print("step two")
`

// A browser arriving during a deploy sees its first line before the deploy ends,
// then the page sends it on to the app.
func TestDeployPageStreamsLive(t *testing.T) {
	s := startSite(t, map[string]string{"app.py": helloApp, "deploy.py": slowDeploy, "gate": "fifo"}, nil)
	resp := get(t, s.url+"/", true)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("deploy page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "step one &lt;i&gt;") // the deploy is still blocked on the gate
	s.release(t, "gate")
	rest := readUntil(t, br, "</html>")
	if !strings.Contains(rest, "step two") || !strings.Contains(rest, "location.reload()") {
		t.Fatalf("the end of the deploy page lacks the last line or the reload:\n%s", rest)
	}
	if body := readAll(t, get(t, s.url+"/", true)); body != "hello from the app" {
		t.Fatalf("after the deploy: %q", body)
	}
}

// curl during a deploy gets the output as text, then the app's answer.
func TestDeployPagePlainTextContinuesToApp(t *testing.T) {
	s := startSite(t, map[string]string{"app.py": helloApp, "deploy.py": slowDeploy, "gate": "fifo"}, nil)
	resp := get(t, s.url+"/", false)
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "step one <i>")
	s.release(t, "gate")
	rest, _ := io.ReadAll(br)
	resp.Body.Close()
	if !strings.Contains(string(rest), "step two") || !strings.HasSuffix(string(rest), "hello from the app") {
		t.Fatalf("plain deploy answer should end with the app's body:\n%s", rest)
	}
}

// With DEPLOY_LOG the page says where the output goes and shows none of it.
func TestDeployPageWithDeployLog(t *testing.T) {
	s := startSite(t, map[string]string{"app.py": helloApp, "deploy.py": slowDeploy, "gate": "fifo"},
		func(a *config.App) { a.DeployLog = filepath.Join(a.Root, "deploy-out.log") })
	resp := get(t, s.url+"/", true)
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "deploy-out.log")
	s.release(t, "gate")
	rest, _ := io.ReadAll(br)
	resp.Body.Close()
	if strings.Contains(string(rest), "step") {
		t.Fatalf("the deploy output leaked into the page although DEPLOY_LOG is set:\n%s", rest)
	}
}

func TestFailurePages(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		path    string
		browser bool
		status  int
		want    []string
		notWant string
	}{
		{"deploy failed", map[string]string{"app.py": helloApp,
			"deploy.py": "print('<script>alert(1)</script>')\nraise SystemExit(3)\n"}, "/", true, 500,
			[]string{"Deploy Failed", "status 3", "&lt;script&gt;alert(1)&lt;/script&gt;"}, "<script>alert"},
		{"deploy failed, text", map[string]string{"app.py": helloApp,
			"deploy.py": "print('broken step')\nraise SystemExit(3)\n"}, "/", false, 500,
			[]string{"Deploy Failed", "status 3", "broken step"}, "<html"},
		{"import failed", map[string]string{"app.py": "raise RuntimeError('<script>bad</script>')\n"}, "/", true, 500,
			[]string{"App Failed to Start", "Traceback", "RuntimeError: &lt;script&gt;bad&lt;/script&gt;"}, "<script>bad"},
		{"worker crashed", map[string]string{"app.py": helloApp}, "/crash", true, 502,
			[]string{"Worker Crashed", "exited with status 9 while serving GET /crash", "about to crash: &lt;b&gt;boom&lt;/b&gt;"}, "<b>boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startSite(t, c.files, nil)
			resp := waitStatus(t, s.url+c.path, c.browser, c.status)
			body := readAll(t, resp)
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			if strings.Contains(body, c.notWant) {
				t.Errorf("page contains %q:\n%s", c.notWant, body)
			}
		})
	}
}

// A worker that dies after its headers went out gives the client a cut response,
// never one that looks complete.
func TestWorkerDyingMidResponseCutsIt(t *testing.T) {
	s := startSite(t, map[string]string{"app.py": helloApp}, nil)
	waitStatus(t, s.url+"/", false, 200).Body.Close()
	resp := get(t, s.url+"/half", false)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("the cut response read as complete: %q", body)
	}
	if !strings.HasPrefix(string(body), "first part") {
		t.Errorf("body before the cut: %q", body)
	}
}

// When the workers keep crashing, the wait ends in a 503 that shows the last crash.
func TestCrashLoopPage(t *testing.T) {
	app := "import os\nif os.path.exists('broken'):\n    raise SystemExit('cannot start: <broken>')\n" + helloApp
	s := startSite(t, map[string]string{"app.py": app},
		func(a *config.App) { a.StartTimeout = 10 * time.Second })
	waitStatus(t, s.url+"/", false, 200).Body.Close()
	os.WriteFile(filepath.Join(s.root, "broken"), nil, 0o644) // replacements will not start
	readAll(t, get(t, s.url+"/crash", false))
	resp := waitStatus(t, s.url+"/", true, 503)
	body := readAll(t, resp)
	for _, want := range []string{"crashing", "about to crash: &lt;b&gt;boom&lt;/b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the 503 page lacks %q:\n%s", want, body)
		}
	}
}

// A request that finds no free worker within the wait limit gets 503 with Retry-After.
func TestNotReadyPage(t *testing.T) {
	blocking := "def application(environ, start_response):\n" +
		"    if environ['PATH_INFO'] == '/block':\n        open('gate').read()\n" +
		"    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [b'done']\n"
	s := startSite(t, map[string]string{"app.py": blocking, "gate": "fifo"},
		func(a *config.App) { a.Threads, a.StartTimeout, a.RequestTimeout = 1, 10*time.Second, 30*time.Second })
	waitStatus(t, s.url+"/", false, 200).Body.Close()
	blocked := make(chan *http.Response, 1)
	go func() { blocked <- get(t, s.url+"/block", false) }()
	// Opening the fifo for writing returns once the app opened it to read: the
	// request is in the worker's only thread.
	gate, err := os.OpenFile(filepath.Join(s.root, "gate"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, s.url+"/", false)
	body := readAll(t, resp)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d Retry-After=%q, want 503 with Retry-After:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	gate.WriteString("go\n")
	gate.Close()
	if body := readAll(t, <-blocked); body != "done" {
		t.Fatalf("the blocked request answered %q", body)
	}
}

// Paths route on segment boundaries: /mount serves /mount/..., never /mountain.
func TestRoutingBySegment(t *testing.T) {
	s := startSite(t, map[string]string{"app.py": helloApp}, func(a *config.App) { a.Path = "/mount" })
	for path, want := range map[string]int{"/mount": 200, "/mount/x": 200, "/mountain": 404, "/": 404} {
		if resp := get(t, s.url+path, false); resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		} else {
			resp.Body.Close()
		}
	}
}

// waitStatus GETs url until it answers status, as a user reloading would; bounded.
func waitStatus(t *testing.T, url string, browser bool, status int) *http.Response {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp := get(t, url, browser)
		if resp.StatusCode == status || time.Now().After(deadline) {
			if resp.StatusCode != status {
				t.Fatalf("GET %s = %d, want %d:\n%s", url, resp.StatusCode, status, readAll(t, resp))
			}
			return resp
		}
		readAll(t, resp)
	}
}

// readUntil reads from br until the text read so far contains want.
func readUntil(t *testing.T, br *bufio.Reader, want string) string {
	t.Helper()
	var got strings.Builder
	for !strings.Contains(got.String(), want) {
		line, err := br.ReadString('\n')
		got.WriteString(line)
		if err != nil {
			t.Fatalf("stream ended (%v) before %q:\n%s", err, want, got.String())
		}
	}
	return got.String()
}
