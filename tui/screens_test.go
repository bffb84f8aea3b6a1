package tui

import (
	"bytes"
	"testing"
	"time"

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
	}{{"GET", "/", 200}, {"GET", "/static/app.css", 304}, {"POST", "/login", 302}, {"GET", "/missing", 404}, {"GET", "/boom", 500}, {"GET", "/api/items?page=2", 200}} {
		evs = append(evs, reqEv("web", r.method, r.path, r.status, time.Duration(4-i%4)*time.Second))
	}
	return append(evs, logEv("web", event.SourceStdout, "marker: all events in"))
}

// failedEvents is an app whose new code fails to import.
func failedEvents() []event.Event {
	evs := []event.Event{
		stateEv("web", event.StateDeploying, "", 30*time.Second),
		{Time: t0.Add(-29 * time.Second), App: "web", Kind: event.KindLog, Source: event.SourceDeploy, Text: "deploy.py: nothing to do"},
		stateEv("web", event.StateStarting, "", 20*time.Second),
	}
	for _, l := range []string{
		"Traceback (most recent call last):",
		`  File "/srv/app/wsgi.py", line 1, in <module>`,
		"    from flask import Flask",
		"ModuleNotFoundError: No module named 'flask'",
	} {
		evs = append(evs, logEv("web", event.SourceStderr, l))
	}
	return append(evs,
		stateEv("web", event.StateFailed, "import failed: ModuleNotFoundError: No module named 'flask'", time.Second),
		logEv("web", event.SourceZoo, "marker: all events in"))
}

// startScreen runs the whole program against a real bus holding events.
func startScreen(t *testing.T, ctl Control, events []event.Event) *teatest.TestModel {
	t.Helper()
	bus := event.NewBus()
	sub := bus.Subscribe(1000)
	t.Cleanup(sub.Close)
	for _, e := range events {
		bus.Publish(e)
	}
	m := fixClock(New(Options{Apps: []AppInfo{{Name: "web", URL: "http://127.0.0.1:8080/"}}, Control: ctl, Sub: sub}))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
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

// TestScreens compares whole screens with testdata/TestScreens/*.golden
// (regenerate with go test ./tui -run TestScreens -update).
func TestScreens(t *testing.T) {
	tests := []struct {
		name   string
		events []event.Event
		typed  string
		wait   string
	}{
		{"running", runningEvents(), "", ""},
		{"failed", failedEvents(), "", ""},
		{"help", runningEvents(), "?", "scroll up"},
		{"errors_view", append(failedEvents(), runningEvents()...), "3", "view errors"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm := startScreen(t, nil, tc.events)
			if tc.typed != "" {
				tm.Type(tc.typed)
				waitScreen(t, tm, tc.wait)
			}
			teatest.RequireEqualOutput(t, finalScreen(t, tm))
		})
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
