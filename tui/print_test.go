package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// lineWriter collects output and signals each write, so tests wait on the event.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
	err   error
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestPrintLinesDrainsOnCancel: events waiting when ctx ends are still printed, drops are told.
func TestPrintLinesDrainsOnCancel(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		publish int
		want    []string
	}{
		{"all fit", 10, 3, []string{"12:00:00.000 [web] stdout 4242: line 0", "[web] stdout 4242: line 2"}},
		{"oldest dropped", 2, 5, []string{"(3 lines dropped)", "line 3", "line 4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := event.NewBus()
			sub := bus.Subscribe(tc.size)
			for i := 0; i < tc.publish; i++ {
				e := logEv("web", event.SourceStdout, "line "+string(rune('0'+i)))
				e.Time = t0
				bus.Publish(e)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			w := &lineWriter{wrote: make(chan struct{}, 1)}
			if err := PrintLines(ctx, w, sub); err != nil {
				t.Fatal(err)
			}
			out := w.String()
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			if n := strings.Count(out, "\n"); n != min(tc.size, tc.publish)+boolInt(tc.publish > tc.size) {
				t.Errorf("%d lines:\n%s", n, out)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestPrintLinesLive: lines appear as events are published, not only at the end.
func TestPrintLinesLive(t *testing.T) {
	bus := event.NewBus()
	sub := bus.Subscribe(100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &lineWriter{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() { done <- PrintLines(ctx, w, sub) }()

	bus.Publish(stateEv("web", event.StateRunning, "", 0))
	deadline := time.After(5 * time.Second)
	for !strings.Contains(w.String(), "[web] state RUNNING") {
		select {
		case <-w.wrote:
		case <-deadline:
			t.Fatalf("no line while running; output %q", w.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("PrintLines did not return after cancel")
	}
}

// TestPrintLinesWriteError: a broken stdout ends the printer with the error.
func TestPrintLinesWriteError(t *testing.T) {
	bus := event.NewBus()
	sub := bus.Subscribe(10)
	bus.Publish(stateEv("web", event.StateRunning, "", 0))
	broken := errors.New("broken pipe")
	err := PrintLines(context.Background(), &lineWriter{err: broken}, sub)
	if !errors.Is(err, broken) {
		t.Errorf("err = %v, want broken pipe", err)
	}
}

// TestTextLines: one event is one line; durations read like 1.2s, 35ms, 812µs;
// colours only when asked for.
func TestTextLines(t *testing.T) {
	req := func(d time.Duration, status int) *event.Event {
		e := reqEv("web", "GET", "/", status, 0)
		e.Request.Duration, e.Request.Bytes = d, 1788
		return &e
	}
	failed := stateEv("web", event.StateFailed, "import failed:\nTraceback (most recent call last):\nNameError: x", 0)
	tests := []struct {
		name  string
		e     *event.Event
		color bool
		want  string
	}{
		{"seconds", req(1234*time.Millisecond, 200), false, "[web] GET / 200 1788B 1.2s pid=4242"},
		{"milliseconds", req(35400*time.Microsecond, 200), false, "[web] GET / 200 1788B 35ms pid=4242"},
		{"microseconds", req(812*time.Microsecond, 200), false, "[web] GET / 200 1788B 812µs pid=4242"},
		{"a status in colour", req(2*time.Millisecond, 500), true, "[web] GET / \x1b[31;1m500\x1b[0m 1788B \x1b[2m2ms\x1b[0m pid=4242"},
		{"a multi-line state on one line", &failed, false, "[web] state FAILED: import failed: NameError: x (+2 lines, shown above)"},
		{"a worker's routine line", ptr(logEv("web", event.SourceStdout, "zoo-worker[4242]: stopping: 0 request(s) in flight")), false,
			"[web] debug: zoo-worker[4242]: stopping: 0 request(s) in flight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := textLine(tc.e, tc.color)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("more than one line: %q", got)
			}
		})
	}
}

func ptr(e event.Event) *event.Event { return &e }

// TestJSONLines: --log-format json writes one object per event that scripts can read.
func TestJSONLines(t *testing.T) {
	bus := event.NewBus()
	sub := bus.Subscribe(10)
	bus.Publish(reqEv("web", "POST", "/login", 302, 0))
	bus.Publish(stateEv("web", event.StateRunning, "generation 1", 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := &lineWriter{wrote: make(chan struct{}, 1)}
	if err := Print(ctx, w, sub, PrintOptions{JSON: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), w.String())
	}
	var first struct {
		App     string
		Kind    string
		Request struct {
			Method     string
			Status     int
			DurationMS float64 `json:"duration_ms"`
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("%v: %s", err, lines[0])
	}
	if first.App != "web" || first.Kind != "request" || first.Request.Method != "POST" || first.Request.Status != 302 || first.Request.DurationMS != 1.5 {
		t.Errorf("decoded %+v from %s", first, lines[0])
	}
	if !strings.Contains(lines[1], `"state":"RUNNING"`) {
		t.Errorf("state line: %s", lines[1])
	}
}
