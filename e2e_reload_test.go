package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var reloadRE = regexp.MustCompile(`reload: .* serving new code after \d+ ms`)

// reloadProject writes a project whose app answers with text, watched for *.py.
func reloadProject(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	toml := `[[app]]
name = "reload"
engine = "python.3.wsgi"
min_workers = 2
max_workers = 2

[app.env]
WSGI_APP = "app.application"
ERROR_LOG_DIR = "log"
WATCH_FILE_CHANGES_MASK = "*.py"
`
	os.WriteFile(filepath.Join(dir, "zoo.toml"), []byte(toml), 0o644)
	writeApp(t, dir, text, false)
	os.Mkdir(filepath.Join(dir, "log"), 0o755)
	return dir
}

// writeApp writes app.py answering text, in place or as editors do (temp file, rename).
func writeApp(t *testing.T, dir, text string, atomic bool) {
	t.Helper()
	src := fmt.Sprintf("TEXT = %q\n\ndef application(environ, start_response):\n"+
		"    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [TEXT.encode()]\n", text)
	path := filepath.Join(dir, "app.py")
	if !atomic {
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	tmp := filepath.Join(dir, ".app.py.tmp~")
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// reloads counts the reload lines so far.
func (z *zooRun) reloads() int {
	n := 0
	for _, l := range z.snapshot() {
		if reloadRE.MatchString(l) {
			n++
		}
	}
	return n
}

// waitReloads waits until n reload lines have been printed.
func (z *zooRun) waitReloads(n int) {
	z.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for z.reloads() < n {
		if !z.waitNext(time.Until(deadline)) {
			z.t.Fatalf("%d reload(s) within 20 s, want %d", z.reloads(), n)
		}
	}
}

// waitNext waits for one more output line; false when timeout passed first.
func (z *zooRun) waitNext(timeout time.Duration) bool {
	z.mu.Lock()
	more := z.more
	z.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-more:
		return true
	case <-t.C:
		return false
	}
}

func TestReloadOnSave(t *testing.T) {
	for _, atomicSave := range []bool{false, true} {
		t.Run(fmt.Sprintf("atomic=%v", atomicSave), func(t *testing.T) {
			dir := reloadProject(t, "v1")
			z := startZoo(t, dir)
			z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
			if _, body := z.get("/"); body != "v1" {
				t.Fatalf("before the save: %q", body)
			}
			writeApp(t, dir, "v2", atomicSave)
			z.waitReloads(1)
			if _, body := z.get("/"); body != "v2" {
				t.Fatalf("after the reload: %q, want v2", body)
			}
		})
	}
}

// Only matching files outside ERROR_LOG_DIR reload; folders made after start are watched.
func TestReloadWatchesTheRightFiles(t *testing.T) {
	dir := reloadProject(t, "v1")
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not code"), 0o644)
	os.WriteFile(filepath.Join(dir, "log", "scratch.py"), []byte("# in ERROR_LOG_DIR"), 0o644)
	os.MkdirAll(filepath.Join(dir, "pkg", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "pkg", "sub", "mod.py"), []byte("X = 1\n"), 0o644)
	z.waitReloads(1)
	line := z.waitLine(reloadRE, time.Second)
	if !strings.Contains(line, "pkg/sub/mod.py") || strings.Contains(line, "more") {
		t.Errorf("the reload should name only pkg/sub/mod.py: %s", line)
	}
	if z.reloads() != 1 {
		t.Errorf("%d reloads, want 1", z.reloads())
	}
}

// A syntax error keeps the old code serving and is reported; the fix serves the new code.
func TestReloadSyntaxErrorKeepsOldCode(t *testing.T) {
	dir := reloadProject(t, "v1")
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	os.WriteFile(filepath.Join(dir, "app.py"), []byte("def application(:\n"), 0o644)
	z.waitLine(regexp.MustCompile(`SyntaxError`), 20*time.Second)
	if code, body := z.get("/"); code != 200 || body != "v1" {
		t.Fatalf("with a syntax error saved: %d %q, want the old v1", code, body)
	}
	writeApp(t, dir, "v3", false)
	z.waitReloads(1)
	if _, body := z.get("/"); body != "v3" {
		t.Fatalf("after the fix: %q, want v3", body)
	}
}

// 100 files touched at once are one reload.
func TestReloadBurstIsOneReload(t *testing.T) {
	dir := reloadProject(t, "v1")
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	os.Mkdir(filepath.Join(dir, "many"), 0o755)
	for i := 0; i < 100; i++ {
		os.WriteFile(filepath.Join(dir, "many", fmt.Sprintf("m%03d.py", i)), []byte("X = 1\n"), 0o644)
	}
	z.waitReloads(1)
	writeApp(t, dir, "v2", false)
	z.waitReloads(2)
	if _, body := z.get("/"); body != "v2" {
		t.Fatalf("after the second save: %q", body)
	}
	if n := z.reloads(); n != 2 {
		t.Fatalf("%d reloads for a burst of 100 files and one save, want 2", n)
	}
}

// 8 clients requesting for 8 s while 3 reloads happen: no request fails.
func TestReloadUnderLoadDropsNothing(t *testing.T) {
	dir := reloadProject(t, "v0")
	z := startZoo(t, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	l := startLoad(z, 8, 0, "", func(status int, body string) error {
		if status != 200 || !strings.HasPrefix(body, "v") {
			return fmt.Errorf("status %d body %q", status, body)
		}
		return nil
	})
	end := time.After(8 * time.Second)
	for i := 1; i <= 3; i++ {
		writeApp(t, dir, fmt.Sprintf("v%d", i), i%2 == 0)
		z.waitReloads(i)
	}
	<-end
	l.end(t, "while reloading")
	t.Logf("%d requests served during 3 reloads", l.ok.Load())
	if _, body := z.get("/"); body != "v3" {
		t.Fatalf("after 3 reloads: %q, want v3", body)
	}
}
