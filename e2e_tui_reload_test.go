package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDashboardFailedReloadInTmux: a save that does not import leaves the old code
// serving, and the dashboard's header says so with the exception instead of
// RUNNING; the traceback is one entry of the log; a fixed save brings RUNNING back.
func TestDashboardFailedReloadInTmux(t *testing.T) {
	dir := reloadProject(t, "v1")
	m := startDashboard(t, dir)
	url := m.waitScreen(regexp.MustCompile(`(?m)^ reload\s+RUNNING\s+(http://127\.0\.0\.1:\d+/)`), 30*time.Second)[1]

	broken := "TEXT = 'v2'\n\napp = make_app()\n"
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	head := m.waitScreen(regexp.MustCompile(`(?m)^ reload\s+serving old code: reload failed\s+http://\S+\s+(.*)$`), 30*time.Second)
	if !strings.Contains(head[1], "NameError") {
		t.Errorf("the header does not name the exception: %q", head[0])
	}
	// the traceback is one entry: its rows follow one another, the exception last
	screen := m.screen()
	rows := strings.Split(screen, "\n")
	at := -1
	for i, r := range rows {
		if strings.Contains(r, "Traceback (most recent call last):") {
			at = i
			break
		}
	}
	if at < 2 || !strings.Contains(rows[at-2], "/app.py:3: NameError") ||
		!strings.Contains(rows[at-1], "could not import the app:") {
		t.Fatalf("no traceback under its summary row in the log:\n%s", screen)
	}
	end := -1
	for i := at + 1; i < len(rows) && i < at+8; i++ {
		if strings.Contains(rows[i], "NameError: name 'make_app' is not defined") {
			end = i
			break
		}
		if regexp.MustCompile(`^\s*\d\d:\d\d:\d\d `).MatchString(rows[i]) {
			t.Fatalf("row %d of the traceback starts a new entry:\n%s", i-at, screen)
		}
	}
	if end < 0 || !strings.Contains(strings.Join(rows[at:end], "\n"), "app.py") {
		t.Fatalf("the traceback's rows are not one entry:\n%s", screen)
	}
	if code, body := getBody(t, url); code != 200 || body != "v1" {
		t.Fatalf("with the broken save: %d %q, want the old v1", code, body)
	}

	writeApp(t, dir, "v3", false)
	m.waitScreen(regexp.MustCompile(`(?m)^ reload\s+RUNNING\s+http://127\.0\.0\.1:\d+/.*reload \d+ ms gen \d+`), 30*time.Second)
	if s := m.screen(); strings.Contains(strings.Split(s, "\n")[0], "serving old code") {
		t.Fatalf("the warning stayed after the fix:\n%s", s)
	}
	m.mustTmux("send-keys", "q")
	m.waitDead(15 * time.Second)
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}
