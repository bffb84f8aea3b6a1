package tui

import (
	"bytes"
	"context"
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
