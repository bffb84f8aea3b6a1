package tui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// runningEvents is a healthy app that deployed, started and served requests.
func runningEvents() []event.Event {
	evs := []event.Event{
		stateEv("web", event.StateDeploying, "", 90*time.Second),
		{Time: t0.Add(-89 * time.Second), App: "web", Kind: event.KindLog, Source: event.SourceDeploy, Text: "collecting static files... done"},
		stateEv("web", event.StateStarting, "", 80*time.Second),
		stateEv("web", event.StateRunning, "", 75*time.Second),
		{Time: t0.Add(-75 * time.Second), App: "web", Kind: event.KindLog, Source: event.SourceZoo, Text: "listening on http://127.0.0.1:8080/"},
		{Time: t0.Add(-20 * time.Second), App: "web", Kind: event.KindReload, Reload: &event.ReloadInfo{Trigger: "wsgi.py", Total: 412 * time.Millisecond, Gen: 2}},
		workersEv("web", 2),
		logEv("web", event.SourceStdout, "hello from the app"),
	}
	for i, r := range []struct {
		method, path string
		status       int
	}{{"GET", "/", 200}, {"GET", "/static/app.css", 304}, {"POST", "/login", 302}, {"GET", "/missing", 404}, {"GET", "/boom", 500}, {"GET", "/api/items?page=2&sort=created_at&tag=a-rather-long-query-value-to-cut", 200}} {
		evs = append(evs, reqEv("web", r.method, r.path, r.status, time.Duration(4-i%4)*time.Second))
	}
	return append(evs, logEv("web", event.SourceStdout, "marker: all events in"))
}

// failedEvents is an app whose code fails to import at start, as the host reports
// it: an error line, the traceback, and the state with the whole traceback.
func failedEvents() []event.Event {
	evs := []event.Event{
		stateEv("web", event.StateDeploying, "", 30*time.Second),
		{Time: t0.Add(-29 * time.Second), App: "web", Kind: event.KindLog, Source: event.SourceDeploy, Text: "deploy.py: nothing to do"},
		stateEv("web", event.StateStarting, "", 20*time.Second),
		{Time: t0.Add(-2 * time.Second), App: "web", Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelError,
			Text: "start generation: import failed: ModuleNotFoundError: No module named 'flask'"},
	}
	tb := []string{
		"Traceback (most recent call last):",
		`  File "/srv/app/wsgi.py", line 1, in <module>`,
		"    from flask import Flask",
		"ModuleNotFoundError: No module named 'flask'",
	}
	for _, l := range tb {
		e := logEv("web", event.SourceStderr, l)
		e.Worker, e.Level = 0, event.LevelError
		evs = append(evs, e)
	}
	return append(evs,
		stateEv("web", event.StateFailed, "import failed:\n"+strings.Join(tb, "\n"), time.Second),
		logEv("web", event.SourceZoo, "marker: all events in"))
}

// startScreen runs the whole program against a real bus holding events.
func startScreen(t *testing.T, ctl Control, events []event.Event) *teatest.TestModel {
	return startScreenSized(t, ctl, events, 100, 30)
}

func startScreenSized(t *testing.T, ctl Control, events []event.Event, w, h int) *teatest.TestModel {
	t.Helper()
	bus := event.NewBus()
	sub := bus.Subscribe(1000)
	t.Cleanup(sub.Close)
	for _, e := range events {
		bus.Publish(e)
	}
	m := fixClock(New(Options{Apps: []AppInfo{{Name: "web", URL: "http://127.0.0.1:8080/"}}, Control: ctl, Sub: sub}))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	waitScreen(t, tm, "marker: all events in")
	return tm
}

func waitScreen(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// finalScreen quits and returns the last screen the model drew.
func finalScreen(t *testing.T, tm *teatest.TestModel) []byte {
	t.Helper()
	tm.Type("q")
	return []byte(tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View())
}

// TestScreens compares whole screens at the sizes people use, from a large window
// down to 60×18, with testdata/TestScreens/*.golden (regenerate with
// go test ./tui -run TestScreens -update).
func TestScreens(t *testing.T) {
	tests := []struct {
		name   string
		events []event.Event
		press  []tea.Msg
		wait   string
	}{
		{"running", runningEvents(), nil, ""},
		{"failed", failedEvents(), nil, ""},
		{"help", runningEvents(), keys("?"), "KEYS"},
		{"inspector", runningEvents(), []tea.Msg{special(tea.KeyEnter)}, "REQUEST"},
	}
	for _, size := range [][2]int{{200, 50}, {120, 40}, {80, 24}, {60, 18}} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				tm := startScreenSized(t, nil, tc.events, size[0], size[1])
				for _, msg := range tc.press {
					tm.Send(msg)
				}
				if tc.wait != "" {
					waitScreen(t, tm, tc.wait)
				}
				screen := finalScreen(t, tm)
				checkFits(t, string(screen), size[0], size[1])
				teatest.RequireEqualOutput(t, screen)
			})
		}
	}
	t.Run("errors_view", func(t *testing.T) {
		tm := startScreen(t, nil, append(failedEvents(), runningEvents()...))
		tm.Type("3")
		waitScreen(t, tm, "view errors")
		teatest.RequireEqualOutput(t, finalScreen(t, tm))
	})
}

// checkFits: the screen is exactly the terminal's height, no row is wider, the
// first row is the app's and the last keeps help and quit.
func checkFits(t *testing.T, screen string, w, h int) {
	t.Helper()
	rows := strings.Split(screen, "\n")
	if len(rows) != h {
		t.Errorf("%d rows, want %d", len(rows), h)
	}
	for i, r := range rows {
		if n := ansi.StringWidth(r); n > w {
			t.Errorf("row %d is %d wide: %q", i, n, r)
		}
	}
	if !strings.HasPrefix(rows[0], " web ") {
		t.Errorf("first row is not the app's: %q", rows[0])
	}
	if last := rows[len(rows)-1]; !strings.Contains(last, "? help") || !strings.Contains(last, "q quit") {
		t.Errorf("footer lacks help or quit: %q", last)
	}
}

// TestRestartKey: pressing r in the running program asks the host to restart.
func TestRestartKey(t *testing.T) {
	ctl := newFakeControl()
	tm := startScreen(t, ctl, runningEvents())
	tm.Type("r")
	select {
	case <-ctl.seen:
	case <-time.After(5 * time.Second):
		t.Fatal("r did not reach the host within 5 s")
	}
	waitScreen(t, tm, "restart requested")
	finalScreen(t, tm)
	if got := ctl.Calls(); len(got) != 1 || got[0] != "restart web" {
		t.Errorf("calls = %q", got)
	}
}
