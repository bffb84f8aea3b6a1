package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// TestReloadHistory: h shows the last reloads, newest first, with their trigger,
// save → served time and a bar as long as that time.
func TestReloadHistory(t *testing.T) {
	reload := func(trigger string, total time.Duration, gen int, errText string, ago time.Duration) event.Event {
		return event.Event{Time: t0.Add(-ago), App: "web", Kind: event.KindReload,
			Reload: &event.ReloadInfo{Trigger: trigger, Total: total, Gen: gen, Err: errText}}
	}
	m := testModel(nil, "web").step(batch(
		reload("wsgi.py", 100*time.Millisecond, 2, "", 30*time.Second),
		reload("views.py", 400*time.Millisecond, 3, "", 20*time.Second),
		reload("models.py", 0, 3, "SyntaxError: invalid syntax", 10*time.Second),
	), keys("h")[0])
	rows := m.historyLines(m.apps[0])
	if len(rows) != 3 {
		t.Fatalf("%d rows:\n%s", len(rows), strings.Join(rows, "\n"))
	}
	for i, want := range []string{"models.py", "views.py", "wsgi.py"} {
		if !strings.Contains(rows[i], want) {
			t.Errorf("row %d = %q, want %s", i, rows[i], want)
		}
	}
	if !strings.Contains(rows[0], "failed: SyntaxError") {
		t.Errorf("a failed reload: %q", rows[0])
	}
	if long, short := strings.Count(rows[1], "█"), strings.Count(rows[2], "█"); short != long/4 {
		t.Errorf("bars of 400 ms and 100 ms are %d and %d cells", long, short)
	}
	wantIn(t, m.View(), "RELOADS", "400 ms")
}

// TestDebugLines: the workers' routine lines are hidden until z shows them.
func TestDebugLines(t *testing.T) {
	m := testModel(nil, "web").step(batch(logEv("web", event.SourceStdout, "zoo-worker[4242]: stopping: 0 request(s) in flight"),
		logEv("web", event.SourceStdout, "the app's own line")))
	if contains(m.visible(), "stopping") || !contains(m.visible(), "the app's own line") {
		t.Fatalf("by default: %q", m.visible())
	}
	m = m.step(keys("z")...)
	if !contains(m.visible(), "stopping") {
		t.Errorf("after z: %q", m.visible())
	}
	wantIn(t, m.View(), "debug lines")
}

// TestQuitSummary: what stays in the terminal after quitting: the last failure
// with its traceback, and a line per app.
func TestQuitSummary(t *testing.T) {
	evs := failedEvents()
	m := testModel(nil, "web").step(batch(evs...))
	var b bytes.Buffer
	m.writeSummary(&b)
	want := "zoo-dev: web: last failure:\n" +
		"  start generation: import failed: ModuleNotFoundError: No module named 'flask'\n" +
		"  Traceback (most recent call last):\n" +
		"    File \"/srv/app/wsgi.py\", line 1, in <module>\n" +
		"      from flask import Flask\n" +
		"  ModuleNotFoundError: No module named 'flask'\n" +
		"zoo-dev: web FAILED, 0 requests, 1 error, 0 reload(s)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}

	m = testModel(nil, "web").step(batch(runningEvents()...))
	b.Reset()
	m.writeSummary(&b)
	if b.String() != "zoo-dev: web RUNNING, 6 requests, 1 error, 1 reload(s), the last in 412 ms\n" {
		t.Errorf("a healthy app: %q", b.String())
	}
}

// TestReplayable: GET and HEAD replay; another method only with its whole body kept.
func TestReplayable(t *testing.T) {
	for _, tc := range []struct {
		r    event.RequestInfo
		want string
	}{
		{event.RequestInfo{Method: "GET", URL: "http://x/"}, ""},
		{event.RequestInfo{Method: "HEAD", URL: "http://x/"}, ""},
		{event.RequestInfo{Method: "POST", URL: "http://x/", BodyKept: true, Body: []byte("a=1")}, ""},
		{event.RequestInfo{Method: "PUT", URL: "http://x/"}, "cannot replay PUT: its body was not kept (over 16 KiB, or one of the older requests)"},
		{event.RequestInfo{Method: "GET"}, "cannot replay: the request's URL is unknown"},
	} {
		if got := replayable(&tc.r); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.r.Method, tc.r.URL, got, tc.want)
		}
	}
	m := fill(20).step(special(tea.KeyEnter), keys("R")[0])
	if d, ok := m.replays[m.insp]; !ok || d.err == nil || !strings.Contains(m.View(), "cannot replay POST") {
		t.Errorf("R on a POST without its body: %+v\n%s", d, m.View())
	}
}

// TestOldBodiesLetGo: only the newest requests keep their body for a replay.
func TestOldBodiesLetGo(t *testing.T) {
	var k bodyKeeper
	var recs []*reqRec
	for i := 0; i <= bodiesKept; i++ {
		r := &reqRec{info: &event.RequestInfo{Method: "POST", URL: "http://x/", Body: []byte("a=1"), BodyKept: true}}
		recs = append(recs, r)
		k.keep(r)
	}
	if recs[0].info.Body != nil || recs[0].info.BodyKept || replayable(recs[0].info) == "" {
		t.Errorf("the oldest request still holds its body: %+v", recs[0].info)
	}
	if last := recs[bodiesKept].info; !last.BodyKept || replayable(last) != "" {
		t.Errorf("the newest request lost its body: %+v", last)
	}
}

// TestNoOpener: without xdg-open (open on macOS) the `o` key says what to do and
// shows the URL.
func TestNoOpener(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := openBrowser("http://127.0.0.1:8080/")
	if err == nil || !strings.Contains(err.Error(), "open http://127.0.0.1:8080/ in your browser yourself") {
		t.Errorf("err = %v", err)
	}
}

// TestInspectorScrolls: pgdn shows the rest of a request that does not fit, and
// moving to another request starts at its top again.
func TestInspectorScrolls(t *testing.T) {
	m := fill(20).resized(80, 16).step(special(tea.KeyEnter))
	if strings.Contains(m.View(), "Content-Type: text/html") {
		t.Fatalf("the test needs a pane too short for the whole request:\n%s", m.View())
	}
	m = m.step(special(tea.KeyPgDown))
	wantIn(t, m.View(), "Content-Type: text/html", "REQUEST")
	m = m.step(special(tea.KeyUp))
	if m.inspTop != 0 {
		t.Errorf("another request opens at line %d", m.inspTop)
	}
}

// TestTwoApps: each app has its header row, the selected one marked; the stats
// and workers are the selected app's.
func TestTwoApps(t *testing.T) {
	m := testModel(nil, "web", "api").step(batch(stateEv("web", event.StateRunning, "", time.Minute),
		stateEv("api", event.StateFailed, "import failed:\nTraceback (most recent call last):\nNameError: x", 0)))
	rows := strings.Split(m.View(), "\n")
	if !strings.HasPrefix(rows[0], "▸web  RUNNING  http://127.0.0.1:08080/") ||
		!strings.HasPrefix(rows[1], " api  FAILED  http://127.0.0.1:18080/  import failed: NameError: x") {
		t.Errorf("header rows:\n%s\n%s", rows[0], rows[1])
	}
}
