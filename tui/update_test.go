package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// TestEventsFoldIntoHeader: events drive the state, uptime, rate, errors, reload
// and the workers table the user reads at a glance.
func TestEventsFoldIntoHeader(t *testing.T) {
	tests := []struct {
		name   string
		events []event.Event
		check  func(t *testing.T, a *appState, view string)
	}{
		{"running with uptime", []event.Event{stateEv("web", event.StateStarting, "", 70*time.Second), stateEv("web", event.StateRunning, "", 65*time.Second)},
			func(t *testing.T, a *appState, view string) {
				wantIn(t, view, "RUNNING", "up 1m05s")
			}},
		{"reload keeps uptime", []event.Event{stateEv("web", event.StateRunning, "", 65*time.Second), stateEv("web", event.StateReloading, "wsgi.py", 3*time.Second), stateEv("web", event.StateRunning, "", time.Second)},
			func(t *testing.T, a *appState, view string) { wantIn(t, view, "up 1m05s") }},
		{"failed shows reason, no uptime", []event.Event{stateEv("web", event.StateRunning, "", 65*time.Second), stateEv("web", event.StateFailed, "deploy exited with status 1", time.Second)},
			func(t *testing.T, a *appState, view string) {
				wantIn(t, view, "FAILED", "deploy exited with status 1")
				if strings.Contains(view, "up 1m") {
					t.Error("a failed app shows an uptime")
				}
			}},
		{"rate over 5 s window, old requests ignored", append(reqs(10, 2*time.Second), reqs(5, 30*time.Second)...),
			func(t *testing.T, a *appState, view string) { wantIn(t, view, "2.0 req/s", "15 requests") }},
		{"a fresh app's rate counts only the seconds since its first request", reqs(4, time.Second),
			func(t *testing.T, a *appState, view string) { wantIn(t, view, "2.0 req/s") }},
		{"no requests, no rate", nil,
			func(t *testing.T, a *appState, view string) { wantIn(t, view, "0.0 req/s", "0 requests", "0 errors") }},
		{"5xx, tracebacks and error lines count", []event.Event{reqEv("web", "GET", "/boom", 500, time.Second), reqEv("web", "GET", "/nope", 404, time.Second),
			logEv("web", event.SourceStderr, "Traceback (most recent call last):"), logEv("web", event.SourceStderr, "  File \"wsgi.py\", line 3"),
			reqEv("web", "GET", "/", 200, time.Second),
			{Time: t0, App: "web", Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelError, Text: "worker crashed"}},
			func(t *testing.T, a *appState, view string) { wantIn(t, view, "3 errors") }},
		{"reload time", []event.Event{{Time: t0.Add(-4 * time.Second), App: "web", Kind: event.KindReload, Reload: &event.ReloadInfo{Trigger: "wsgi.py", Total: 340 * time.Millisecond, Gen: 3}}},
			func(t *testing.T, a *appState, view string) {
				wantIn(t, view, "reload 340 ms gen 3", "reload: wsgi.py changed, serving new code after 340 ms")
			}},
		{"workers table", []event.Event{workersEv("web", 2)},
			func(t *testing.T, a *appState, view string) {
				wantIn(t, view, "PID", "RESTARTS", "4242", "4243", "ready", "25.0M", "200")
			}},
		{"many workers are capped", []event.Event{workersEv("web", 9)},
			func(t *testing.T, a *appState, view string) { wantIn(t, view, "+3 more") }},
		{"events of other apps stay out", []event.Event{stateEv("other", event.StateFailed, "", 0)},
			func(t *testing.T, a *appState, view string) {
				if a.state != event.StateStopped {
					t.Errorf("state = %s, want STOPPED", a.state)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(nil, "web").step(batch(tc.events...))
			tc.check(t, m.apps[0], m.View())
		})
	}
}

func reqs(n int, ago time.Duration) []event.Event {
	var out []event.Event
	for i := 0; i < n; i++ {
		out = append(out, reqEv("web", "GET", fmt.Sprintf("/r%d", i), 200, ago))
	}
	return out
}

func wantIn(t *testing.T, view string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(view, p) {
			t.Errorf("screen lacks %q:\n%s", p, view)
		}
	}
}

// fill is a model whose log holds n stdout lines "line 0".."line n-1" and a few requests.
func fill(n int) Model {
	m := testModel(nil, "web", "api")
	var evs []event.Event
	for i := 0; i < n; i++ {
		evs = append(evs, logEv("web", event.SourceStdout, fmt.Sprintf("line %d", i)))
		if i%10 == 0 {
			evs = append(evs, reqEv("web", "POST", fmt.Sprintf("/form/%d", i), 200+100*(i/10%4), time.Second))
		}
	}
	evs = append(evs, logEv("api", event.SourceStdout, "api says hi"))
	return m.step(batch(evs...))
}

// TestKeysChangeThePane: each key does what the footer promises.
func TestKeysChangeThePane(t *testing.T) {
	tests := []struct {
		name  string
		msgs  []tea.Msg
		check func(t *testing.T, m Model)
	}{
		{"follows by default", nil, func(t *testing.T, m Model) {
			last := m.visible()[len(m.visible())-1]
			if !m.pane.follow || !strings.Contains(last, "line 99") {
				t.Errorf("follow=%v last=%q", m.pane.follow, last)
			}
		}},
		{"up leaves follow and new lines do not move the window", []tea.Msg{special(tea.KeyUp), batch(logEv("web", event.SourceStdout, "newer"))},
			func(t *testing.T, m Model) {
				if m.pane.follow || contains(m.visible(), "newer") || !contains(m.visible(), "line 98") {
					t.Errorf("follow=%v visible=%q", m.pane.follow, m.visible())
				}
			}},
		{"end resumes follow", []tea.Msg{special(tea.KeyPgUp), special(tea.KeyEnd), batch(logEv("web", event.SourceStdout, "newer"))},
			func(t *testing.T, m Model) {
				if !m.pane.follow || !contains(m.visible(), "newer") {
					t.Errorf("follow=%v visible=%q", m.pane.follow, m.visible())
				}
			}},
		{"f toggles follow", keys("f"), func(t *testing.T, m Model) {
			if m.pane.follow {
				t.Error("f did not leave follow")
			}
		}},
		{"home shows the oldest line", []tea.Msg{special(tea.KeyHome)}, func(t *testing.T, m Model) {
			if !strings.Contains(m.visible()[0], "line 0") {
				t.Errorf("first = %q", m.visible()[0])
			}
		}},
		{"mouse wheel scrolls back", []tea.Msg{tea.MouseMsg{Button: tea.MouseButtonWheelUp}}, func(t *testing.T, m Model) {
			if m.pane.follow || m.pane.offset != 3 {
				t.Errorf("follow=%v offset=%d", m.pane.follow, m.pane.offset)
			}
		}},
		{"2 shows only requests", keys("2"), func(t *testing.T, m Model) { allHave(t, m, "/form/") }},
		{"v cycles to requests then errors", keys("vv"), func(t *testing.T, m Model) {
			allHave(t, m, " 500 ")
		}},
		{"3 shows 5xx", keys("3"), func(t *testing.T, m Model) { allHave(t, m, " 500 ") }},
		{"filter applies as it is typed, and enter keeps it", append(keys("/line 4"), special(tea.KeyEnter)), func(t *testing.T, m Model) {
			allHave(t, m, "line 4")
			wantIn(t, m.View(), `filter "line 4"`)
		}},
		{"the filter is live and keeps the case typed", keys("/LINE 4"), func(t *testing.T, m Model) {
			allHave(t, m, "line 4")
			if !m.filterOn || !strings.Contains(m.paneTitle(), `filter "LINE 4"`) {
				t.Errorf("filterOn=%v title=%q", m.filterOn, m.paneTitle())
			}
		}},
		{"esc outside the input clears an applied filter", append(append(keys("/line 4"), special(tea.KeyEnter)), special(tea.KeyEsc)), func(t *testing.T, m Model) {
			if m.pane.filter != "" || !contains(m.visible(), "line 99") {
				t.Errorf("filter=%q", m.pane.filter)
			}
		}},
		{"paging back down to the newest line resumes follow", []tea.Msg{special(tea.KeyPgUp), special(tea.KeyPgDown), batch(logEv("web", event.SourceStdout, "newer"))},
			func(t *testing.T, m Model) {
				if !m.pane.follow || !contains(m.visible(), "newer") {
					t.Errorf("follow=%v visible=%q", m.pane.follow, m.visible())
				}
			}},
		{"enter inspects the newest request", []tea.Msg{special(tea.KeyEnter)}, func(t *testing.T, m Model) {
			if m.insp == nil || m.insp.info.Path != "/form/90" {
				t.Fatalf("inspector = %+v", m.insp)
			}
			wantIn(t, m.View(), "REQUEST", "POST", "worker pid 4242", "request headers")
		}},
		{"up in the inspector goes to the older request", []tea.Msg{special(tea.KeyEnter), special(tea.KeyUp)}, func(t *testing.T, m Model) {
			if m.insp == nil || m.insp.info.Path != "/form/80" {
				t.Fatalf("inspector = %+v", m.insp)
			}
		}},
		{"esc clears the filter", append(append(keys("/line 4"), special(tea.KeyEnter)), append(keys("/"), special(tea.KeyEsc))...), func(t *testing.T, m Model) {
			if m.pane.filter != "" || !contains(m.visible(), "line 99") {
				t.Errorf("filter=%q", m.pane.filter)
			}
		}},
		{"keys typed into the filter do not act", keys("/q"), func(t *testing.T, m Model) {
			if !m.filterOn || m.input.Value() != "q" {
				t.Errorf("filterOn=%v value=%q", m.filterOn, m.input.Value())
			}
		}},
		{"c clears the log", keys("c"), func(t *testing.T, m Model) {
			if len(m.visible()) != 0 {
				t.Errorf("visible after clear: %q", m.visible())
			}
		}},
		{"? opens the full help", keys("?"), func(t *testing.T, m Model) {
			wantIn(t, m.View(), "scroll up", "add worker", "previous app")
		}},
		{"tab shows the next app", []tea.Msg{special(tea.KeyTab)}, func(t *testing.T, m Model) {
			allHave(t, m, "api says hi")
			wantIn(t, m.View(), "▸api")
		}},
		{"shift+tab wraps around", []tea.Msg{special(tea.KeyShiftTab)}, func(t *testing.T, m Model) {
			if m.sel != 1 {
				t.Errorf("sel = %d", m.sel)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, fill(100).step(tc.msgs...))
		})
	}
}

func allHave(t *testing.T, m Model, s string) {
	t.Helper()
	vis := m.visible()
	if len(vis) == 0 {
		t.Fatal("nothing visible")
	}
	for _, l := range vis {
		if !strings.Contains(l, s) {
			t.Errorf("line %q lacks %q", l, s)
		}
	}
}

// TestQuitKeys: q and ctrl+c end the program.
func TestQuitKeys(t *testing.T) {
	for _, msg := range []tea.Msg{keys("q")[0], special(tea.KeyCtrlC)} {
		_, cmd := testModel(nil, "web").Update(msg)
		if cmd == nil {
			t.Fatalf("%v: no command", msg)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%v: command is not quit", msg)
		}
	}
}

// TestActionKeysCallControl: the host is called from the command, not from Update.
func TestActionKeysCallControl(t *testing.T) {
	tests := []struct{ key, want, note string }{
		{"r", "restart web", "restart requested"},
		{"d", "redeploy web", "redeploy requested"},
		{"+", "workers+ web", "one more worker"},
		{"-", "workers- web", "one worker fewer"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			ctl := newFakeControl()
			next, cmd := testModel(ctl, "web").Update(keys(tc.key)[0])
			if len(ctl.Calls()) != 0 {
				t.Fatal("Update called the host itself")
			}
			if cmd == nil {
				t.Fatal("no command")
			}
			cmd()
			if got := ctl.Calls(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("calls = %q, want %q", got, tc.want)
			}
			if !contains(next.(Model).visible(), tc.note) {
				t.Errorf("log lacks %q: %q", tc.note, next.(Model).visible())
			}
		})
	}
}

// TestActionNoteFollowsEarlierEvents: a request that happened before the key, still
// waiting for the next feed tick, shows above the line the key adds.
func TestActionNoteFollowsEarlierEvents(t *testing.T) {
	bus := event.NewBus()
	m := New(Options{Apps: []AppInfo{{Name: "web"}}, Control: newFakeControl(), Sub: bus.Subscribe(100)})
	m = fixClock(m).resized(100, 30)
	bus.Publish(reqEv("web", "GET", "/before-the-key", 200, time.Second))
	m = m.step(keys("r")[0])
	lines := m.visible()
	req, note := -1, -1
	for i, l := range lines {
		switch {
		case strings.Contains(l, "/before-the-key"):
			req = i
		case strings.Contains(l, "restart requested"):
			note = i
		}
	}
	if req < 0 || note < req {
		t.Fatalf("request at line %d, note at %d, want the request first: %q", req, note, lines)
	}
}

// TestOpenURL: o opens the selected app's URL; a failure lands in the log.
func TestOpenURL(t *testing.T) {
	var got string
	m := New(Options{Apps: []AppInfo{{Name: "web", URL: "http://127.0.0.1:8080/"}}, OpenURL: func(u string) error {
		got = u
		return fmt.Errorf("open %s: no browser", u)
	}})
	m = fixClock(m).resized(100, 30)
	_, cmd := m.Update(keys("o")[0])
	m = m.step(cmd())
	if got != "http://127.0.0.1:8080/" || !contains(m.visible(), "no browser") {
		t.Errorf("opened %q, log %q", got, m.visible())
	}
}

// TestDropsAreShown: lines the subscriber dropped are announced, not hidden.
func TestDropsAreShown(t *testing.T) {
	m := testModel(nil, "web").step(batchMsg{dropped: 1234})
	if !contains(m.visible(), "(1234 lines dropped)") {
		t.Errorf("log = %q", m.visible())
	}
	wantIn(t, m.View(), "1234 lines dropped")
}

// TestRingIsBounded: the log keeps the newest ringSize lines and no more.
func TestRingIsBounded(t *testing.T) {
	m := testModel(nil, "web")
	for b := 0; b < 3; b++ {
		var evs []event.Event
		for i := 0; i < 5000; i++ {
			evs = append(evs, logEv("web", event.SourceStdout, fmt.Sprintf("line %d", b*5000+i)))
		}
		m = m.step(batch(evs...))
	}
	m = m.step(special(tea.KeyHome))
	if len(m.pane.idx) != ringSize || !strings.Contains(m.visible()[0], "line 5000") {
		t.Errorf("kept %d lines, oldest %q", len(m.pane.idx), m.visible()[0])
	}
}

// TestResize: the screen is exactly as tall as the terminal.
func TestResize(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {60, 15}, {160, 50}} {
		m := fill(200).resized(size[0], size[1])
		lines := strings.Split(m.View(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d wide: %q", size[0], size[1], w, l)
			}
		}
	}
}
