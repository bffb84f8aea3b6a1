package tui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// brokenSaveTB is the traceback of a save that does not import, as one event.
const brokenSaveTB = "python3.12 could not import the app:\n" +
	"Traceback (most recent call last):\n" +
	"  File \"/srv/app/wsgi.py\", line 4, in <module>\n" +
	"    app = make_app()\n" +
	"NameError: name 'make_app' is not defined"

// failedReloadEvents is a running app whose newest save fails to import: the host
// logs the error and the traceback, reports the reload failed and keeps generation 2.
func failedReloadEvents() []event.Event {
	evs := runningEvents()
	evs = evs[:len(evs)-1] // the marker goes last
	tb := logEv("web", event.SourceStderr, brokenSaveTB)
	host := tb
	host.Worker, host.Level = 0, event.LevelError
	return append(evs,
		stateEv("web", event.StateReloading, "wsgi.py changed", 2*time.Second),
		tb,
		event.Event{Time: t0.Add(-time.Second), App: "web", Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelError,
			Text: "start generation: import failed: NameError: name 'make_app' is not defined"},
		host,
		event.Event{Time: t0.Add(-time.Second), App: "web", Kind: event.KindReload, Level: event.LevelWarn,
			Reload: &event.ReloadInfo{Trigger: "wsgi.py", Gen: 2, Err: "import failed: NameError: name 'make_app' is not defined"}},
		stateEv("web", event.StateRunning, "still serving generation 2", time.Second),
		logEv("web", event.SourceZoo, "marker: all events in"))
}

// TestFailedReloadScreen: the header says the old code serves, with the exception,
// and the traceback is one entry (testdata/TestFailedReloadScreen.golden;
// regenerate with go test ./tui -run TestFailedReloadScreen -update).
func TestFailedReloadScreen(t *testing.T) {
	tm := startScreenSized(t, nil, failedReloadEvents(), 80, 24)
	screen := string(finalScreen(t, tm))
	checkFits(t, screen, 80, 24)
	head := strings.Split(screen, "\n")[0]
	if !strings.Contains(head, "serving old code: reload failed") || strings.Contains(head, "RUNNING") {
		t.Errorf("header row = %q", head)
	}
	if n := strings.Count(screen, "Traceback (most recent call last)"); n != 1 {
		t.Errorf("the traceback is shown %d times, want once:\n%s", n, screen)
	}
	teatest.RequireEqualOutput(t, []byte(screen))
}

// TestOldCodeUntilReloadSucceeds: the warning holds until a reload serves new code,
// and the header is painted in the warning colour, not the running one.
func TestOldCodeUntilReloadSucceeds(t *testing.T) {
	dark := lipgloss.HasDarkBackground()
	lipgloss.SetColorProfile(termenv.ANSI256)
	lipgloss.SetHasDarkBackground(true)
	defer func() { lipgloss.SetColorProfile(termenv.Ascii); lipgloss.SetHasDarkBackground(dark) }()
	m := testModel(nil, "web").step(batch(failedReloadEvents()...))
	head := m.appLine(0, m.apps[0])
	if !strings.Contains(head, m.styles.oldCode.Render("serving old code: reload failed")) ||
		!strings.Contains(head, "NameError: name 'make_app' is not defined") {
		t.Fatalf("header after a failed reload = %q", head)
	}
	if !strings.Contains(head, "38;5;214") { // the warning colour on a dark background
		t.Errorf("the header is not in the warning colour: %q", head)
	}
	if strings.Contains(head, m.styles.forState(event.StateRunning).Render("RUNNING")) {
		t.Fatalf("the header still shows a green RUNNING: %q", head)
	}
	m = m.step(batch(stateEv("web", event.StateReloading, "wsgi.py changed", 0),
		stateEv("web", event.StateRunning, "generation 3, 1 worker(s)", 0),
		event.Event{Time: t0, App: "web", Kind: event.KindReload, Reload: &event.ReloadInfo{Trigger: "wsgi.py", Total: 80 * time.Millisecond, Gen: 3}}))
	head = m.appLine(0, m.apps[0])
	if strings.Contains(head, "serving old code") || !strings.Contains(head, m.styles.forState(event.StateRunning).Render("RUNNING")) {
		t.Fatalf("header after a good reload = %q", head)
	}
}

// TestTracebackIsOneEntry: a traceback in one event is one entry of the log: its
// lines one under the other, one error, and a filter on any line shows them all.
func TestTracebackIsOneEntry(t *testing.T) {
	tb := "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in index\n    return 1/0\nZeroDivisionError: division by zero"
	m := testModel(nil, "web").resized(100, 40).step(batch(logEv("web", event.SourceStderr, tb), logEv("web", event.SourceStdout, "after")))
	if got := m.apps[0].errors; got != 1 {
		t.Errorf("errors = %d, want 1", got)
	}
	vis := m.visible()
	var rows []string
	for _, l := range vis {
		if strings.Contains(l, "Traceback") || strings.Contains(l, "views.py") || strings.Contains(l, "1/0") || strings.Contains(l, "ZeroDivisionError") {
			rows = append(rows, l)
		}
	}
	// a summary row first: the last frame's FILE:LINE and the exception; then the lines
	if len(rows) != 5 || !strings.Contains(rows[0], "err 4242    /srv/app/views.py:12: ZeroDivisionError: division by zero") ||
		strings.Contains(rows[4], "err") || !strings.HasPrefix(strings.TrimLeft(rows[4], " "), "ZeroDivisionError") ||
		!strings.HasPrefix(strings.TrimLeft(rows[1], " "), "Traceback") {
		t.Fatalf("traceback rows %q in\n%s", rows, strings.Join(vis, "\n"))
	}
	m.pane.setFilter("return 1/0")
	if vis := m.visible(); len(vis) != 5 || !strings.Contains(vis[4], "ZeroDivisionError") {
		t.Fatalf("filtered on a frame: %q", vis)
	}
	two := testModel(nil, "web").step(batch(logEv("web", event.SourceStderr, tb), reqEv("web", "GET", "/", 500, 0),
		logEv("web", event.SourceStderr, tb), reqEv("web", "GET", "/", 500, 0)))
	if got := two.apps[0].errors; got != 2 {
		t.Errorf("two failing requests: errors = %d, want 2", got)
	}
}

// TestImportTracebackShownOnce: each worker and then the host report the same
// import traceback, each as one event; the log shows it once.
func TestImportTracebackShownOnce(t *testing.T) {
	var evs []event.Event
	for _, pid := range []int{4242, 4243, 0} {
		e := logEv("web", event.SourceStderr, brokenSaveTB)
		e.Worker = pid
		evs = append(evs, e)
	}
	m := testModel(nil, "web").resized(100, 40).step(batch(evs...))
	n := 0
	for _, l := range m.visible() {
		if strings.Contains(l, "Traceback") {
			n++
		}
	}
	if n != 1 || m.apps[0].errors != 1 {
		t.Fatalf("traceback shown %d times, %d errors", n, m.apps[0].errors)
	}
}

// TestPrintTraceback: headless, a traceback is its lines under one time stamp with
// the app's tag on the first; as JSON it is one object; a failed reload is a warning.
func TestPrintTraceback(t *testing.T) {
	tb := "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in index\nZeroDivisionError: division by zero"
	e := logEv("web", event.SourceStderr, tb)
	got := textLine(&e, false)
	want := "[web] stderr 4242: " + tb
	if got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	colored := textLine(&event.Event{App: "web", Kind: event.KindLog, Source: event.SourceStderr, Level: event.LevelError, Text: tb}, true)
	for i, l := range strings.Split(colored, "\n") {
		if !strings.HasPrefix(l, ansiRed) || !strings.HasSuffix(l, ansiReset) {
			t.Errorf("coloured row %d = %q", i, l)
		}
	}
	var j map[string]any
	if err := json.Unmarshal(jsonLine(&e), &j); err != nil || j["text"] != tb {
		t.Errorf("json %s: %v", jsonLine(&e), err)
	}
	r := event.Event{App: "web", Kind: event.KindReload, Reload: &event.ReloadInfo{Trigger: "wsgi.py", Gen: 2, Err: "import failed: NameError: x"}}
	if l := textLine(&r, true); !strings.HasPrefix(l, ansiYellow) || !strings.Contains(l, "still serving generation 2") {
		t.Errorf("failed reload line %q", l)
	}
	if err := json.Unmarshal(jsonLine(&r), &j); err != nil || j["level"] != "warning" {
		t.Errorf("failed reload json %s", jsonLine(&r))
	}
}
