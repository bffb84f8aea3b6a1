package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// TestErrorsCountedOncePerEvent: a traceback with its lines is one error, and so is
// a request whose exception the worker printed before its 500.
func TestErrorsCountedOncePerEvent(t *testing.T) {
	zooErr := event.Event{Time: t0, App: "web", Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelError, Text: "start generation: import failed: SyntaxError: invalid syntax"}
	tb := func() []event.Event {
		var out []event.Event
		for _, l := range []string{"Traceback (most recent call last):", `  File "wsgi.py", line 3`, "    def (", "SyntaxError: invalid syntax"} {
			e := logEv("web", event.SourceStderr, l)
			e.Worker, e.Level = 0, event.LevelError
			out = append(out, e)
		}
		return out
	}
	failed := stateEv("web", event.StateFailed, "import failed:\nTraceback (most recent call last):\nSyntaxError: invalid syntax", 0)
	exc := []event.Event{logEv("web", event.SourceStderr, "zoo-worker[4242]: exception in the application at /boom:"),
		logEv("web", event.SourceStderr, "Traceback (most recent call last):"), logEv("web", event.SourceStderr, "ZeroDivisionError: division by zero"),
		reqEv("web", "GET", "/boom", 500, 0)}
	tests := []struct {
		name   string
		events []event.Event
		want   int
		lines  int // how many times the error line is shown
	}{
		{"an import error and its traceback", append(append([]event.Event{zooErr}, tb()...), failed), 1, 1},
		{"the same import error from two workers", append(append(append([]event.Event{zooErr}, tb()...), append([]event.Event{zooErr}, tb()...)...), failed), 1, 1},
		{"one request exception", exc, 1, 0},
		{"two request exceptions", append(append([]event.Event{}, exc...), exc...), 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(nil, "web").step(batch(tc.events...))
			if got := m.apps[0].errors; got != tc.want {
				t.Errorf("errors = %d, want %d", got, tc.want)
			}
			shown := 0
			for _, n := range m.pane.idx {
				if strings.Contains(m.pane.line(n).plain, zooErr.Text) {
					shown++
				}
			}
			if shown != tc.lines {
				t.Errorf("the import error is shown %d times, want %d", shown, tc.lines)
			}
			first := strings.Split(m.View(), "\n")[0]
			if strings.Contains(first, "Traceback") || !strings.Contains(m.View(), "FAILED") && tc.lines > 0 {
				t.Errorf("header row = %q", first)
			}
		})
	}
}

// TestImportFailureShownOnce: two workers print the same traceback and the host
// reports it again; the log shows it once and counts one error.
func TestImportFailureShownOnce(t *testing.T) {
	tb := []string{"Traceback (most recent call last):", `  File "/srv/wsgi.py", line 9, in <module>`, "    import nope", "ModuleNotFoundError: No module named 'nope'"}
	var evs []event.Event
	for _, pid := range []int{4242, 4243, 0} {
		if pid == 0 {
			evs = append(evs, event.Event{Time: t0, App: "web", Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelError,
				Text: "start generation: import failed: ModuleNotFoundError: No module named 'nope'"})
		}
		for _, l := range tb {
			e := logEv("web", event.SourceStderr, l)
			e.Worker = pid
			if pid == 0 { // the host's copy
				e.Level = event.LevelError
			}
			evs = append(evs, e)
		}
	}
	evs = append(evs, stateEv("web", event.StateFailed, "import failed:\n"+strings.Join(tb, "\n"), 0))
	m := testModel(nil, "web").step(batch(evs...))
	shown := 0
	for _, n := range m.pane.idx {
		if strings.Contains(m.pane.line(n).plain, "No module named 'nope'") && strings.Contains(m.pane.line(n).plain, "err ") {
			shown++
		}
	}
	if shown != 1 {
		t.Errorf("the traceback's last line is shown %d times, want 1:\n%s", shown, strings.Join(m.visible(), "\n"))
	}
	if m.apps[0].errors != 1 {
		t.Errorf("errors = %d, want 1", m.apps[0].errors)
	}
	var sum strings.Builder
	m.writeSummary(&sum)
	if !strings.Contains(sum.String(), "  start generation: import failed:") || !strings.Contains(sum.String(), "\n      import nope\n") {
		t.Errorf("the summary on quit lacks the failure and its traceback:\n%s", sum.String())
	}

	bus := event.NewBus()
	sub := bus.Subscribe(100)
	for _, e := range evs {
		bus.Publish(e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := &lineWriter{wrote: make(chan struct{}, 1)}
	if err := PrintLines(ctx, w, sub); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(w.String(), "Traceback"); n != 1 {
		t.Errorf("headless prints the traceback %d times, want 1:\n%s", n, w.String())
	}
}
