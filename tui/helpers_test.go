package tui

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // stable, colourless screens for goldens
	os.Exit(m.Run())
}

// t0 is the fixed "now" of every test screen.
var t0 = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

// fakeControl records the host calls the dashboard makes.
type fakeControl struct {
	mu    sync.Mutex
	calls []string
	seen  chan struct{}
}

func newFakeControl() *fakeControl { return &fakeControl{seen: make(chan struct{}, 16)} }

func (c *fakeControl) record(s string) {
	c.mu.Lock()
	c.calls = append(c.calls, s)
	c.mu.Unlock()
	c.seen <- struct{}{}
}

func (c *fakeControl) Restart(app string)  { c.record("restart " + app) }
func (c *fakeControl) Redeploy(app string) { c.record("redeploy " + app) }
func (c *fakeControl) SetWorkers(app string, delta int) {
	if delta > 0 {
		c.record("workers+ " + app)
		return
	}
	c.record("workers- " + app)
}

func (c *fakeControl) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// testModel is a 100x30 dashboard with a fixed clock and no feed.
func testModel(ctl Control, apps ...string) Model {
	var infos []AppInfo
	for i, a := range apps {
		infos = append(infos, AppInfo{Name: a, URL: "http://127.0.0.1:" + string(rune('0'+i)) + "8080/"})
	}
	m := New(Options{Apps: infos, Control: ctl})
	return fixClock(m).resized(100, 30)
}

func fixClock(m Model) Model {
	m.clock = func() time.Time { return t0 }
	m.now = t0
	return m
}

func (m Model) resized(w, h int) Model {
	return m.step(tea.WindowSizeMsg{Width: w, Height: h})
}

// step feeds messages to Update in order and returns the resulting model.
func (m Model) step(msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

func keys(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return out
}

func special(t tea.KeyType) tea.Msg { return tea.KeyMsg{Type: t} }

func batch(events ...event.Event) tea.Msg { return batchMsg{events: events} }

// ev helpers build events at t0 minus a few seconds.
func logEv(app string, src event.Source, text string) event.Event {
	return event.Event{Time: t0.Add(-2 * time.Second), App: app, Kind: event.KindLog, Source: src, Worker: 4242, Text: text}
}

func stateEv(app string, st event.State, why string, ago time.Duration) event.Event {
	return event.Event{Time: t0.Add(-ago), App: app, Kind: event.KindState, State: st, Text: why}
}

func reqEv(app, method, path string, status int, ago time.Duration) event.Event {
	return event.Event{Time: t0.Add(-ago), App: app, Kind: event.KindRequest,
		Request: &event.RequestInfo{Method: method, Path: path, Status: status, Bytes: 12, Duration: 1500 * time.Microsecond, Worker: 4242,
			URL: "http://127.0.0.1:8080" + path, Proto: "HTTP/1.1", Wait: 40 * time.Microsecond, FirstByte: 1200 * time.Microsecond,
			ReqHeader:  map[string][]string{"Accept": {"*/*"}, "User-Agent": {"curl/8.5.0"}},
			RespHeader: map[string][]string{"Content-Type": {"text/html; charset=utf-8"}, "Content-Length": {"12"}},
			BodyKept:   method == "GET"}}
}

func workersEv(app string, n int) event.Event {
	ws := make([]event.WorkerInfo, n)
	for i := range ws {
		ws[i] = event.WorkerInfo{PID: 4242 + i, Gen: 2, State: "ready", InFlight: i % 2, Served: int64(100 * (i + 1)), RSS: 25 << 20, Restarts: i}
	}
	return event.Event{Time: t0, App: app, Kind: event.KindWorkers, Workers: ws}
}

// visible is the log pane's visible lines, plain text.
func (m Model) visible() []string {
	var out []string
	for _, n := range m.pane.window() {
		out = append(out, m.pane.line(n).plain)
	}
	return out
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
