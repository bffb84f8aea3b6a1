package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestInspectorAndReplayInTmux: a form post is one request line; enter opens it
// in the inspector with its full URL, status, worker, headers and the stderr line
// the app wrote for it; R sends it again and shows the new answer beside the old.
func TestInspectorAndReplayInTmux(t *testing.T) {
	m := startDashboard(t, copyDir(t, "sample"))
	base := m.waitScreen(dashRunningRE, 30*time.Second)[1]

	noRedirect := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(base, url.Values{"text": {"inspect me"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: status %d, want 303", base, resp.StatusCode)
	}
	m.waitScreen(regexp.MustCompile(`POST / 303`), 10*time.Second)

	m.mustTmux("send-keys", "Enter")
	m.waitScreen(regexp.MustCompile(`(?s)REQUEST .*stderr of this request \(1 line\)\s+note added: inspect me.*response headers`), 10*time.Second)
	screen := m.screen()
	for _, want := range []string{
		"POST " + base + " HTTP/1.1",
		"status 303",
		"slot wait ",
		"first byte ",
		"Content-Type: application/x-www-form-urlencoded",
		"Location: /",
		"request body (15 B)",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the inspector lacks %q:\n%s", want, screen)
		}
	}
	if !regexp.MustCompile(`worker pid \d+ · generation 1`).MatchString(screen) {
		t.Errorf("the inspector does not name the worker and its generation:\n%s", screen)
	}

	m.mustTmux("send-keys", "R")
	m.waitScreen(regexp.MustCompile(`original\s+replay\s*\n\s+status\s+303\s+303\s*\n\s+bytes\s+19 B\s+19 B`), 10*time.Second)

	m.mustTmux("send-keys", "Escape")
	m.waitScreen(regexp.MustCompile(`LOG · view all`), 5*time.Second)
	// The replay reached the app: a second note, a second request line.
	m.waitScreen(regexp.MustCompile(`(?s)POST / 303.*POST / 303`), 5*time.Second)
}

// TestFollowAndFilterInTmux: paging back pauses the log and paging down to the
// newest line follows again; the filter narrows the log as it is typed, keeps the
// case typed, and esc brings every line back.
func TestFollowAndFilterInTmux(t *testing.T) {
	m := startDashboard(t, copyDir(t, "sample"))
	base := m.waitScreen(dashRunningRE, 30*time.Second)[1]
	get := func(path string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for i := 0; i < 40; i++ { // more lines than the pane shows
		get(fmt.Sprintf("missing/%d", i))
	}
	m.waitScreen(regexp.MustCompile(`GET /missing/39 404`), 10*time.Second)

	m.mustTmux("send-keys", "PageUp")
	m.waitScreen(regexp.MustCompile(`paused, \d+ newer below`), 5*time.Second)
	get("missing/paused")
	m.waitScreen(regexp.MustCompile(`paused, \d+ newer below`), 5*time.Second)
	if strings.Contains(m.screen(), "/missing/paused") {
		t.Fatalf("a paused log moved to the newest line:\n%s", m.screen())
	}
	m.mustTmux("send-keys", "PageDown")
	m.waitScreen(regexp.MustCompile(`LOG · view all · following[^\n]*\n(?s:.*)GET /missing/paused 404`), 5*time.Second)
	get("missing/after")
	m.waitScreen(regexp.MustCompile(`GET /missing/after 404`), 5*time.Second)

	m.mustTmux("send-keys", "/")
	m.waitScreen(regexp.MustCompile(`filter as you type`), 5*time.Second)
	// One key at a time, as a person types: the log narrows with each.
	for _, k := range []string{"M", "I", "S", "S", "I", "N", "G", "/", "3"} {
		m.mustTmux("send-keys", k)
	}
	m.waitScreen(regexp.MustCompile(`filter "MISSING/3"[^\n]*\n(?s:.*)GET /missing/39 404`), 5*time.Second)
	screen := m.screen()
	rows := logRows(screen)
	if len(rows) != 11 { // /missing/3 and /missing/30 to /missing/39
		t.Errorf("the filter shows %d rows, want 11:\n%s", len(rows), screen)
	}
	for _, l := range rows {
		if !strings.Contains(strings.ToLower(l), "missing/3") {
			t.Errorf("the filter lets through %q", l)
		}
	}
	m.mustTmux("send-keys", "Escape")
	m.waitScreen(regexp.MustCompile(`LOG · view all · following\s*\n(?s:.*)GET /missing/after 404`), 5*time.Second)
	if s := m.screen(); strings.Contains(s, `filter "`) {
		t.Errorf("esc left the filter on:\n%s", s)
	}
}

// logRows are the log pane's rows on a screen: between its title and the footer.
func logRows(screen string) []string {
	rows := strings.Split(screen, "\n")
	var out []string
	in := false
	for _, r := range rows {
		switch {
		case strings.Contains(r, "LOG · view"):
			in = true
		case in && strings.HasPrefix(r, " /"): // the filter input in the footer
			return out
		case in && strings.TrimSpace(r) != "":
			out = append(out, r)
		}
	}
	return out
}

// TestFailedStartInTmux: an app that does not import shows FAILED with the
// exception on its header row (the traceback stays in the log), and quitting
// leaves the failure and a summary in the terminal.
func TestFailedStartInTmux(t *testing.T) {
	dir := copyDir(t, "sample")
	src := filepath.Join(dir, "wsgi.py")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, append(code, "\nimport no_such_module_here\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	m := startDashboard(t, dir)
	m.waitScreen(regexp.MustCompile(`^ WSGI\.project  FAILED  http://127\.0\.0\.1:\d+/  import failed: ModuleNotFoundError: No module named 'no_such_mod`), 30*time.Second)
	if s := m.screen(); strings.Count(s, "Traceback (most recent call last)") != 1 {
		t.Errorf("the traceback is not in the log once:\n%s", s)
	}
	m.mustTmux("send-keys", "q")
	m.waitDead(15 * time.Second)
	all := m.mustTmux("capture-pane", "-p", "-S", "-")
	want := regexp.MustCompile(`(?s)zoo-dev: WSGI\.project: last failure:\n  start generation: import failed: .*  ModuleNotFoundError: No module named 'no_such_module_here'\nzoo-dev: WSGI\.project FAILED, 0 requests, 1 error, 0 reload\(s\)\n`)
	if !want.MatchString(all) {
		t.Fatalf("the failure and the summary are not left in the terminal:\n%s", all)
	}
}
