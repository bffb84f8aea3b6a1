package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The sample serves its page, after its deploy script ran, and logs to log/.
func TestSampleServesAfterDeploy(t *testing.T) {
	dir := copyDir(t, "sample")
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	code, body := z.get("/")
	if code != 200 {
		t.Fatalf("GET / = %d, want 200; body:\n%s", code, body)
	}
	if !strings.Contains(body, "zoo-dev") {
		t.Errorf("GET / body does not look like the sample page:\n%.400s", body)
	}
	out := strings.Join(z.snapshot(), "\n")
	deploy, running := strings.Index(out, "deploy:"), strings.Index(out, "state RUNNING")
	if deploy < 0 || deploy > running {
		t.Errorf("deploy output should come before RUNNING:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "log", "deploy.log")); err != nil {
		t.Errorf("log/deploy.log: %v", err)
	}
}

// SIGTERM stops zoo-dev with status 0 within 5 s and leaves no process behind.
func TestSIGTERMStopsEverything(t *testing.T) {
	z := startZoo(t, "--workers", "2", copyDir(t, "sample/apps/crashy"))
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	if code, _ := z.get("/"); code != 200 {
		t.Fatalf("GET / = %d before SIGTERM", code)
	}
	if n := len(z.descendants()); n < 3 {
		t.Fatalf("want zoo-dev and 2 workers running, found %d processes", n)
	}
	start := time.Now()
	z.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-z.done:
	case <-time.After(5 * time.Second):
		t.Fatal("zoo-dev still running 5 s after SIGTERM")
	}
	err := z.cmd.Wait()
	if err != nil {
		t.Fatalf("zoo-dev exited with %v after SIGTERM, want status 0", err)
	}
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	z.waitGone(time.Second)
}

// SIGKILL of zoo-dev takes its workers with it within 3 s.
func TestSIGKILLTakesWorkersAlong(t *testing.T) {
	z := startZoo(t, "--workers", "2", copyDir(t, "sample/apps/crashy"))
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	if n := len(z.descendants()); n < 3 {
		t.Fatalf("want zoo-dev and 2 workers running, found %d processes", n)
	}
	z.cmd.Process.Kill()
	z.cmd.Wait()
	z.waitGone(3 * time.Second)
}

// A worker that dies is replaced and the next requests succeed.
func TestCrashedWorkerIsReplaced(t *testing.T) {
	dir := copyDir(t, "sample/apps/crashy")
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	_, before := z.get("/")
	if code, _ := z.get("/crash"); code != 502 {
		t.Errorf("GET /crash = %d, want 502", code)
	}
	z.waitLine(regexp.MustCompile(`worker \d+ ready`), 15*time.Second)
	for i := 0; i < 5; i++ {
		code, body := z.get("/")
		if code != 200 || !strings.HasPrefix(body, "hello from crashy") {
			t.Fatalf("request %d after the crash = %d %q", i, code, body)
		}
		if body == before {
			t.Fatalf("request %d served by the crashed worker's pid: %q", i, body)
		}
	}
	z.get("/stderr")
	z.waitLine(regexp.MustCompile(`an error line for the log`), 5*time.Second)
}

// Errors a user can cause: one line on stderr, exit status 1 (2 for bad flags).
func TestUserErrorsAreOneLine(t *testing.T) {
	busy := startZoo(t, copyDir(t, "sample/apps/crashy"))
	port := strings.TrimPrefix(busy.URL, "http://")
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "zoo.toml"), []byte("[[app]]\nname = \"x\"\nwokers = 3\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"busy port", []string{"--no-tui", "--listen", port, "sample"}, 1, "in use"},
		{"missing folder", []string{"--no-tui", filepath.Join(t.TempDir(), "nope")}, 1, "nope"},
		{"bad config", []string{"--no-tui", bad}, 1, "zoo.toml:3:"},
		{"bad flag", []string{"--no-such-flag"}, 2, "no-such-flag"},
		{"check bad config", []string{"check", bad}, 1, "zoo.toml:3:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(zooBin, c.args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			msg := strings.TrimSpace(stderr.String())
			if code != c.code {
				t.Errorf("exit status %d, want %d; stderr: %s", code, c.code, msg)
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("stderr %q does not mention %q", msg, c.want)
			}
			if c.code == 1 && strings.Count(msg, "\n") != 0 {
				t.Errorf("want one line, got:\n%s", msg)
			}
			if strings.Contains(msg, "goroutine") || strings.Contains(msg, "panic") {
				t.Errorf("a Go panic:\n%s", msg)
			}
		})
	}
}

// Helicon Zoo's web.config (config/testdata/design), unchanged, with a helper module in
// python_modules/Lib/site-packages: served, deploy first, errors in log/.
func TestDesignWebConfigEndToEnd(t *testing.T) {
	dir := t.TempDir()
	webConfig, err := os.ReadFile("config/testdata/design/web.config")
	if err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(dir, "python_modules", "Lib", "site-packages")
	os.MkdirAll(site, 0o755)
	files := map[string]string{
		"web.config": string(webConfig),
		"deploy.py":  "print('deploy: writing marker')\nopen('deployed.txt', 'w').write('yes')\n",
		"python_modules/Lib/site-packages/zoohelper.py": "def greet():\n    return 'greetings from python_modules'\n",
		"wsgi.py": `import os, sys
import zoohelper
DEPLOYED = open("deployed.txt").read()  # deploy ran before the workers imported the app
def application(environ, start_response):
    sys.stderr.write("design app: an error line\n")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s; deployed=%s" % (zoohelper.greet(), DEPLOYED)).encode()]
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	z.waitLine(regexp.MustCompile(`python\.2\.7\.wsgi`), time.Second) // the fallback warning
	code, body := z.get("/")
	if code != 200 || body != "greetings from python_modules; deployed=yes" {
		t.Fatalf("GET / = %d %q", code, body)
	}
	z.waitLine(regexp.MustCompile(`design app: an error line`), 5*time.Second)
	z.cmd.Process.Signal(syscall.SIGTERM)
	<-z.done
	logged, err := os.ReadFile(filepath.Join(dir, "log", "error.log"))
	if err != nil || !strings.Contains(string(logged), "design app: an error line") {
		t.Fatalf("log/error.log lacks the app's error output (%v):\n%s", err, logged)
	}
	deployLog, _ := os.ReadFile(filepath.Join(dir, "log", "deploy.log"))
	if !strings.Contains(string(deployLog), "deploy: writing marker") {
		t.Errorf("log/deploy.log lacks the deploy output:\n%s", deployLog)
	}
}

// zoo-dev init writes a starter that runs as it is, and never overwrites.
func TestInitWritesARunnableStarter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fresh")
	if out, err := exec.Command(zooBin, "init", dir).CombinedOutput(); err != nil {
		t.Fatalf("zoo-dev init: %v\n%s", err, out)
	}
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	if code, body := z.get("/"); code != 200 || !strings.Contains(body, "<form") {
		t.Fatalf("starter page: %d\n%.300s", code, body)
	}
	out, err := exec.Command(zooBin, "init", dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already exists") {
		t.Fatalf("a second init: %v %s, want a refusal", err, out)
	}
}
