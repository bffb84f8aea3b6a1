package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// logLine is one line of the log pane, styled once when it enters the ring.
type logLine struct {
	app    int    // index into Model.apps; -1 for lines that belong to every app
	plain  string // the text without colour, for the filter
	entry  string // a row of a multi-line entry: the whole entry's text, which the filter matches instead
	styled string // what the pane prints (truncated to the width at render time)
	req    bool   // a request line (the requests view)
	bad    bool   // a line the errors view keeps
	debug  bool   // a worker's routine line, shown only with the debug lines on
	rec    *reqRec

	// A request line's styled parts: when the row is too narrow the path is cut,
	// never the status and the duration.
	head, path, tail string
}

// reqRec is what the inspector shows of one request.
type reqRec struct {
	at   time.Time
	app  int
	gen  int // the worker's generation, from the workers table; 0 when unknown
	info *event.RequestInfo
}

// render is the line cut to width columns.
func (l *logLine) render(width int) string {
	if ansi.StringWidth(l.styled) <= width {
		return l.styled
	}
	if l.rec == nil {
		return ansi.Truncate(l.styled, width, "…")
	}
	room := width - ansi.StringWidth(l.head) - ansi.StringWidth(l.tail)
	if room < 2 {
		return ansi.Truncate(l.styled, width, "…")
	}
	return l.head + ansi.Truncate(l.path, room, "…") + l.tail
}

// tracebackHead starts every Python traceback; such a line counts as an error.
const tracebackHead = "Traceback (most recent call last)"

// lineFor turns an event into a log line; ok is false for events that have no line
// (worker snapshots only update the table).
func (s *styles) lineFor(e event.Event, app int) (logLine, bool) {
	ts := e.Time.Format("15:04:05")
	p := &s.line
	var tag, text string
	tagPaint, textPaint := p.forSource(e.Source), p.forSource(e.Source)
	l := logLine{app: app}
	switch e.Kind {
	case event.KindWorkers:
		return l, false
	case event.KindState:
		tag, text = "zoo", "state "+e.State.String()
		if e.Text != "" {
			text += ": " + clean(stateReason(e.Text))
		}
		tagPaint, textPaint = p.source[event.SourceZoo], p.state[e.State%6]
		l.bad = e.State == event.StateFailed
	case event.KindRequest:
		return s.requestLine(e, app, ts), true
	case event.KindReload:
		tag, text = "zoo", reloadText(e.Reload)
		tagPaint = p.source[event.SourceZoo]
		if e.Reload != nil && e.Reload.Err != "" {
			textPaint, l.bad = p.warn, true // a warning: the old code still serves
		}
	default:
		tag, text = sourceTag(e), clean(e.Text)
		textPaint, l.bad, l.debug = p.forLog(e)
	}
	tag = padTag(tag)
	l.plain = ts + " " + tag + " " + text
	l.styled = p.dim.on(ts) + " " + tagPaint.on(tag) + " " + textPaint.on(text)
	return l, true
}

// forLog is how a log line is painted, whether the errors view keeps it and whether
// it is a worker's routine line.
func (p *paints) forLog(e event.Event) (text paint, bad, debug bool) {
	text = p.forSource(e.Source)
	switch {
	case e.Level == event.LevelError:
		return p.err, true, false
	case e.Level == event.LevelWarn:
		return p.warn, true, false
	case e.Source == event.SourceStderr:
		return text, true, false
	case e.Source == event.SourceStdout && strings.HasPrefix(e.Text, lifecyclePre):
		return text, false, true
	}
	return text, false, false
}

// linesFor turns an event into the pane's lines: one, or for a log event of several
// lines (a traceback) one entry: its first line with the time and the tag, the
// others below it under the text's column. Every line of an entry carries the whole
// entry's text to filter on, so a filter that matches any of it shows all of it.
func (s *styles) linesFor(e event.Event, app int) []logLine {
	if e.Kind != event.KindLog || strings.IndexByte(e.Text, '\n') < 0 {
		if l, ok := s.lineFor(e, app); ok {
			return []logLine{l}
		}
		return nil
	}
	rows := strings.Split(strings.TrimRight(e.Text, "\n"), "\n")
	if sum := tracebackSummary(rows); sum != "" {
		rows = append([]string{sum}, rows...)
	}
	first := e
	first.Text = rows[0]
	head, _ := s.lineFor(first, app)
	textPaint, _, _ := s.line.forLog(first)
	pad := strings.Repeat(" ", len(e.Time.Format("15:04:05"))+1+len(padTag(sourceTag(e)))+1)
	out := []logLine{head}
	entry := head.plain
	for _, r := range rows[1:] {
		r = clean(r)
		entry += "\n" + r
		more := head
		more.plain, more.styled = pad+r, pad+textPaint.on(r)
		out = append(out, more)
	}
	for i := range out {
		out[i].entry = entry
	}
	return out
}

// requestLine is the access line: method, path, status (coloured by class), duration.
func (s *styles) requestLine(e event.Event, app int, ts string) logLine {
	r := e.Request
	if r == nil {
		r = &event.RequestInfo{}
	}
	tag := "request"
	if r.Worker != 0 {
		tag = "req " + strconv.Itoa(r.Worker)
	}
	tag = padTag(tag)
	dur, code, path := fmtDuration(r.Duration), strconv.Itoa(r.Status), clean(r.Path)
	p := &s.line
	own := *r // the dashboard's copy: it lets go of old bodies (see keepBodies)
	l := logLine{app: app, req: true, bad: r.Status >= 500, rec: &reqRec{at: e.Time, app: app, info: &own}}
	l.plain = ts + " " + tag + " " + r.Method + " " + path + " " + code + " " + dur
	l.head = p.dim.on(ts) + " " + p.access.on(tag) + " " + r.Method + " "
	l.path = path
	l.tail = " " + p.forStatus(r.Status).on(code) + " " + p.dim.on(dur)
	l.styled = l.head + l.path + l.tail
	return l
}

// padTag pads a source tag to one column width.
func padTag(tag string) string {
	const width = 11
	if len(tag) >= width {
		return tag
	}
	return tag + strings.Repeat(" ", width-len(tag))
}

// clean makes a line safe for one terminal row: the app's own escape sequences
// are stripped (a stray cursor move would wreck the screen), tabs become spaces,
// other control characters are dropped.
func clean(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return cleanSlow(s)
		}
	}
	return s
}

func cleanSlow(s string) string {
	if strings.IndexByte(s, 0x1b) >= 0 {
		s = ansi.Strip(s)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// noteLine is a line zoo-dev's dashboard adds itself (an action taken, lines dropped).
func (s *styles) noteLine(t time.Time, app int, level event.Level, text string) logLine {
	e := event.Event{Time: t, Kind: event.KindLog, Source: event.SourceZoo, Level: level, Text: text}
	l, _ := s.lineFor(e, app)
	return l
}

func sourceTag(e event.Event) string {
	name := e.Source.String()
	switch e.Source {
	case event.SourceStdout:
		name = "out"
	case event.SourceStderr:
		name = "err"
	}
	if e.Worker != 0 {
		return fmt.Sprintf("%s %d", name, e.Worker)
	}
	return name
}

func reloadText(r *event.ReloadInfo) string {
	if r == nil {
		return "reload"
	}
	if r.Err != "" {
		return r.Text()
	}
	return fmt.Sprintf("%s (generation %d)", r.Text(), r.Gen)
}

// fmtDuration prints a time the way people read them: 812µs, 35ms, 2.1ms, 1.2s.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Millisecond:
		return trimZero(fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))) + "ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return trimZero(fmt.Sprintf("%.1f", d.Seconds())) + "s"
	}
	return d.Round(time.Second).String()
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// stateReason is a state change's reason on one line: a multi-line reason (a
// traceback) becomes its first line and a pointer to the lines printed before it.
func stateReason(s string) string {
	if _, more := firstLine(s); more > 0 {
		return fmt.Sprintf("%s (+%d lines, shown above)", headline(s), more)
	}
	return s
}

// headline is a reason in one line: its first line, and when that only announces
// what follows (it ends in a colon), the last line too: a traceback's exception.
func headline(s string) string {
	first, more := firstLine(s)
	if more == 0 || !strings.HasSuffix(first, ":") {
		return first
	}
	rest := strings.TrimRight(s, "\n")
	last := strings.TrimSpace(rest[strings.LastIndexByte(rest, '\n')+1:])
	return first + " " + last
}

// containsFold reports whether s contains the lower-case needle, ignoring case.
func containsFold(s, lowerNeedle string) bool {
	if lowerNeedle == "" {
		return true
	}
	return strings.Contains(strings.ToLower(s), lowerNeedle)
}

// tracebackSummary is the line that sums up a traceback's rows: FILE:LINE of its last
// frame and its exception line; "" when the rows hold no complete traceback.
func tracebackSummary(rows []string) string {
	var where string
	for _, r := range rows {
		if f, ok := strings.CutPrefix(r, "  File \""); ok {
			if file, rest, ok := strings.Cut(f, "\", line "); ok {
				line, _, _ := strings.Cut(rest, ",")
				where = file + ":" + line
			}
		}
	}
	last := rows[len(rows)-1]
	if where == "" || strings.HasPrefix(last, " ") || !strings.HasPrefix(rows[0], tracebackHead) && !strings.Contains(strings.Join(rows, "\n"), "\n"+tracebackHead) {
		return ""
	}
	return where + ": " + last
}
