package tui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// stampLayout is the time stamp of headless lines.
const stampLayout = "15:04:05.000"

// PrintOptions choose how headless lines look.
type PrintOptions struct {
	Color bool // ANSI colours for status codes, levels and states (the caller knows it is a terminal)
	JSON  bool // one JSON object per event instead of a line of text
}

// PrintLines prints events as plain lines without colour; see Print.
func PrintLines(ctx context.Context, w io.Writer, sub *event.Sub) error {
	return Print(ctx, w, sub, PrintOptions{})
}

// Print is the headless mode: it writes every event as one line (a time stamp
// and the event's text, or a JSON object) as events arrive, until ctx is done;
// then it prints what is still waiting and returns. Drops by the subscriber are
// reported as a line of their own. Worker snapshots are left out: they are for the
// dashboard's table. Each batch is written with one write, not one per line.
func Print(ctx context.Context, w io.Writer, sub *event.Sub, o PrintOptions) error {
	var buf []event.Event
	bw := bufio.NewWriterSize(w, 64<<10)
	reps := map[string]*repeats{}
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		done := false
		select {
		case <-ctx.Done():
			done = true
		case <-sub.Ready():
		}
		var err error
		if buf, err = flushLines(bw, sub, buf, reps, o); err == nil {
			err = bw.Flush()
		}
		if err != nil || done {
			return err
		}
		// Under load the lines of many requests go out in one write: the printer
		// rests flushGap after each write instead of waking for every request.
		gap.Reset(flushGap)
		select {
		case <-ctx.Done():
		case <-gap.C:
		}
	}
}

// flushGap is the least time between two writes of headless lines: short enough
// to read as live, long enough that a busy server writes about 50 times a second,
// not once per request.
const flushGap = 20 * time.Millisecond

// flushLines drains sub and writes its events, but not a traceback that repeats
// the one just printed for the same app; it returns the buffer for reuse.
func flushLines(w io.Writer, sub *event.Sub, buf []event.Event, reps map[string]*repeats, o PrintOptions) ([]event.Event, error) {
	buf, dropped := sub.Drain(buf[:0])
	var b strings.Builder
	if dropped > 0 {
		if o.JSON {
			fmt.Fprintf(&b, "{\"kind\":\"dropped\",\"count\":%d}\n", dropped)
		} else {
			fmt.Fprintf(&b, "(%d lines dropped)\n", dropped)
		}
	}
	for i := range buf {
		e := &buf[i]
		if e.Kind == event.KindWorkers {
			continue // a periodic table for the dashboard; starts and crashes are log lines
		}
		r := reps[e.App]
		if r == nil {
			r = &repeats{}
			reps[e.App] = r
		}
		if r.skip(e) {
			continue
		}
		if o.JSON {
			b.Write(jsonLine(e))
		} else {
			b.WriteString(e.Time.Format(stampLayout) + " " + textLine(e, o.Color))
		}
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return buf, fmt.Errorf("print events: %w", err)
	}
	return buf, nil
}

// ANSI colours for headless lines, like werkzeug's and runserver's.
const (
	ansiReset  = "\x1b[0m"
	ansiGreen  = "\x1b[32m"
	ansiCyan   = "\x1b[36m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31;1m"
	ansiDim    = "\x1b[2m"
)

// textLine is one event as one line of text, without the time stamp.
func textLine(e *event.Event, color bool) string {
	paint := func(code, s string) string {
		if !color || code == "" {
			return s
		}
		// each line of a traceback painted on its own: a colour never spans a line break
		return code + strings.ReplaceAll(s, "\n", ansiReset+"\n"+code) + ansiReset
	}
	app := "[" + e.App + "] "
	switch e.Kind {
	case event.KindState:
		text := "state " + e.State.String()
		if e.Text != "" {
			text += ": " + stateReason(e.Text)
		}
		return app + paint(stateColor(e.State), text)
	case event.KindRequest:
		r := e.Request
		return fmt.Sprintf("%s%s %s %s %dB %s pid=%d", app, r.Method, r.Path, paint(statusColor(r.Status), fmt.Sprint(r.Status)),
			r.Bytes, paint(ansiDim, fmtDuration(r.Duration)), r.Worker)
	case event.KindReload:
		line := e.Line()
		if e.Reload.Err != "" { // a warning: the old code still serves
			return paint(ansiYellow, line)
		}
		return line
	}
	if e.Source == event.SourceStdout && strings.HasPrefix(e.Text, lifecyclePre) {
		return paint(ansiDim, app+"debug: "+e.Text)
	}
	line := e.Line()
	switch {
	case e.Level == event.LevelError:
		return paint(ansiRed, line)
	case e.Level == event.LevelWarn:
		return paint(ansiYellow, line)
	}
	return line
}

func statusColor(code int) string {
	switch {
	case code >= 500:
		return ansiRed
	case code >= 400:
		return ansiYellow
	case code >= 300:
		return ansiCyan
	}
	return ansiGreen
}

func stateColor(s event.State) string {
	switch s {
	case event.StateRunning:
		return ansiGreen
	case event.StateFailed:
		return ansiRed
	case event.StateStarting, event.StateReloading, event.StateDeploying:
		return ansiCyan
	}
	return ""
}

// jsonEvent is the --log-format json shape of an event.
type jsonEvent struct {
	Time    string       `json:"time"`
	App     string       `json:"app"`
	Kind    string       `json:"kind"`
	Source  string       `json:"source,omitempty"`
	Level   string       `json:"level,omitempty"`
	Worker  int          `json:"worker,omitempty"`
	Text    string       `json:"text,omitempty"`
	State   string       `json:"state,omitempty"`
	Request *jsonRequest `json:"request,omitempty"`
	Reload  *jsonReload  `json:"reload,omitempty"`
}

type jsonRequest struct {
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	URL        string  `json:"url,omitempty"`
	Status     int     `json:"status"`
	Bytes      int64   `json:"bytes"`
	DurationMS float64 `json:"duration_ms"`
	Worker     int     `json:"worker"`
}

type jsonReload struct {
	Trigger string  `json:"trigger"`
	TotalMS float64 `json:"total_ms"`
	Gen     int     `json:"generation"`
	Err     string  `json:"error,omitempty"`
}

var kindNames = [...]string{"log", "state", "request", "reload", "workers"}
var levelNames = [...]string{"info", "warning", "error"}

func jsonLine(e *event.Event) []byte {
	j := jsonEvent{Time: e.Time.Format("2006-01-02T15:04:05.000Z07:00"), App: e.App, Worker: e.Worker, Text: e.Text}
	if int(e.Kind) < len(kindNames) {
		j.Kind = kindNames[e.Kind]
	}
	ms := func(d interface{ Microseconds() int64 }) float64 { return float64(d.Microseconds()) / 1000 }
	switch e.Kind {
	case event.KindLog:
		j.Source = e.Source.String()
		if int(e.Level) < len(levelNames) {
			j.Level = levelNames[e.Level]
		}
	case event.KindState:
		j.State = e.State.String()
	case event.KindRequest:
		r := e.Request
		j.Request = &jsonRequest{Method: r.Method, Path: r.Path, URL: r.URL, Status: r.Status, Bytes: r.Bytes,
			DurationMS: ms(r.Duration), Worker: r.Worker}
	case event.KindReload:
		r := e.Reload
		if r.Err != "" {
			j.Level = levelNames[event.LevelWarn]
		}
		j.Reload = &jsonReload{Trigger: r.Trigger, TotalMS: ms(r.Total), Gen: r.Gen, Err: r.Err}
	}
	out, err := json.Marshal(j)
	if err != nil { // strings and numbers only: cannot happen
		return []byte(`{"kind":"error"}`)
	}
	return out
}
