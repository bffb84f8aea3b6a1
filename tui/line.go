package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/host"
)

// logLine is one line of the log pane, styled once when it enters the ring.
type logLine struct {
	app    int    // index into Model.apps; -1 for lines that belong to every app
	plain  string // the text without colour, for the filter
	styled string // what the pane prints (truncated to the width at render time)
	req    bool   // a request line (the requests view)
	bad    bool   // a line the errors view keeps
}

// tracebackHead starts every Python traceback; such a line counts as an error.
const tracebackHead = "Traceback (most recent call last)"

// lineFor turns an event into a log line; ok is false for events that have no line
// (worker snapshots only update the table).
func (s *styles) lineFor(e host.Event, app int) (logLine, bool) {
	ts := e.Time.Format("15:04:05")
	var tag, text string
	tagStyle, textStyle := s.forSource(e.Source), s.forSource(e.Source)
	l := logLine{app: app}
	switch e.Kind {
	case host.KindWorkers:
		return l, false
	case host.KindState:
		tag, text = "zoo", "state "+e.State.String()
		if e.Text != "" {
			text += ": " + e.Text
		}
		tagStyle, textStyle = s.source[host.SourceZoo], s.forState(e.State)
		l.bad = e.State == host.StateFailed
	case host.KindRequest:
		return s.requestLine(e, app, ts), true
	case host.KindReload:
		tag, text = "zoo", reloadText(e.Reload)
		tagStyle = s.source[host.SourceZoo]
		if e.Reload != nil && e.Reload.Err != "" {
			textStyle, l.bad = s.err, true
		}
	default:
		tag, text = sourceTag(e), e.Text
		switch {
		case e.Level == host.LevelError:
			textStyle, l.bad = s.err, true
		case e.Level == host.LevelWarn:
			textStyle, l.bad = s.warn, true
		case e.Source == host.SourceStderr:
			l.bad = true
		}
	}
	l.plain = fmt.Sprintf("%s %-11s %s", ts, tag, text)
	l.styled = s.dim.Render(ts) + " " + tagStyle.Render(fmt.Sprintf("%-11s", tag)) + " " + textStyle.Render(text)
	return l, true
}

// requestLine is the access line: method, path, status (coloured by class), duration.
func (s *styles) requestLine(e host.Event, app int, ts string) logLine {
	r := e.Request
	if r == nil {
		r = &host.RequestInfo{}
	}
	tag := "request"
	if r.Worker != 0 {
		tag = fmt.Sprintf("req %d", r.Worker)
	}
	dur := fmtDuration(r.Duration)
	l := logLine{app: app, req: true, bad: r.Status >= 500}
	l.plain = fmt.Sprintf("%s %-11s %s %s %d %s", ts, tag, r.Method, r.Path, r.Status, dur)
	st := s.forStatus(r.Status)
	l.styled = s.dim.Render(ts) + " " + s.source[host.SourceAccess].Render(fmt.Sprintf("%-11s", tag)) + " " +
		r.Method + " " + r.Path + " " + st.Render(fmt.Sprint(r.Status)) + " " + s.dim.Render(dur)
	return l
}

// noteLine is a line zoo-dev's dashboard adds itself (an action taken, lines dropped).
func (s *styles) noteLine(t time.Time, app int, level host.Level, text string) logLine {
	e := host.Event{Time: t, Kind: host.KindLog, Source: host.SourceZoo, Level: level, Text: text}
	l, _ := s.lineFor(e, app)
	return l
}

func sourceTag(e host.Event) string {
	name := e.Source.String()
	switch e.Source {
	case host.SourceStdout:
		name = "out"
	case host.SourceStderr:
		name = "err"
	}
	if e.Worker != 0 {
		return fmt.Sprintf("%s %d", name, e.Worker)
	}
	return name
}

func reloadText(r *host.ReloadInfo) string {
	if r == nil {
		return "reload"
	}
	if r.Err != "" {
		return fmt.Sprintf("reload after %s failed, still serving generation %d: %s", r.Trigger, r.Gen, r.Err)
	}
	return fmt.Sprintf("reload after %s: new code served in %d ms (generation %d)",
		r.Trigger, r.Total.Milliseconds(), r.Gen)
}

// fmtDuration prints a request time the way people read them: 850µs, 12.3ms, 1.20s.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// containsFold reports whether s contains the lower-case needle, ignoring case.
func containsFold(s, lowerNeedle string) bool {
	if lowerNeedle == "" {
		return true
	}
	return strings.Contains(strings.ToLower(s), lowerNeedle)
}
