package tui

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// replayTimeout bounds a replayed request.
const replayTimeout = 30 * time.Second

// replayDone is the answer to a replayed request.
type replayDone struct {
	of     *reqRec
	status int
	bytes  int64
	dur    time.Duration
	err    error
}

// inspectKey handles a key while the inspector is open; done is false for keys
// the dashboard handles as usual.
func (m *Model) inspectKey(msg tea.KeyMsg) (done bool, cmd tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		m.insp = nil
	case key.Matches(msg, k.Up):
		m.openRequest(m.pane.nextRequest(m.insp, -1))
	case key.Matches(msg, k.Down):
		m.openRequest(m.pane.nextRequest(m.insp, 1))
	case key.Matches(msg, k.PageDown):
		m.inspTop = min(m.inspTop+m.pane.height/2, max(0, len(m.inspectorLines())-1-m.pane.height))
	case key.Matches(msg, k.PageUp):
		m.inspTop = max(0, m.inspTop-m.pane.height/2)
	case key.Matches(msg, k.Inspect):
		m.openRequest(m.pane.newestRequest())
	case key.Matches(msg, k.Replay):
		if why := replayable(m.insp.info); why != "" {
			m.replays[m.insp] = replayDone{of: m.insp, err: fmt.Errorf("%s", why)}
			return true, nil
		}
		m.replays[m.insp] = replayDone{of: m.insp}
		return true, replayCmd(m.insp)
	default:
		return false, nil
	}
	return true, nil
}

// openRequest shows r in the inspector from its top; nil keeps the one shown.
func (m *Model) openRequest(r *reqRec) {
	if r != nil {
		m.insp, m.inspTop = r, 0
	}
}

// replayable says why a request cannot be sent again, or "".
func replayable(r *event.RequestInfo) string {
	switch {
	case r.URL == "":
		return "cannot replay: the request's URL is unknown"
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return ""
	case !r.BodyKept:
		return fmt.Sprintf("cannot replay %s: its body was not kept (over %d KiB, or one of the older requests)", r.Method, event.BodyKeepLimit>>10)
	}
	return ""
}

// replayCmd sends the request again, off the event loop, without following redirects.
func replayCmd(rec *reqRec) tea.Cmd {
	r := rec.info
	return func() tea.Msg {
		done := replayDone{of: rec}
		req, err := http.NewRequest(r.Method, r.URL, bytes.NewReader(r.Body))
		if err != nil {
			done.err = err
			return done
		}
		for k, vs := range r.ReqHeader {
			if k != "Content-Length" && k != "Connection" {
				req.Header[k] = vs
			}
		}
		c := &http.Client{Timeout: replayTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			done.err = err
			return done
		}
		done.bytes, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done.status, done.dur, done.err = resp.StatusCode, time.Since(start), err
		return done
	}
}

// inspectorLines draws the open request: what was asked, what came back, how
// long each part took, who served it, the request's stderr, the headers.
func (m Model) inspectorLines() []string {
	rec, s := m.insp, m.styles
	r := rec.info
	status := s.forStatus(r.Status).Render(fmt.Sprint(r.Status))
	lines := []string{
		s.paneTitle.Render("REQUEST") + " · " + rec.at.Format("15:04:05.000") + s.dim.Render(" · ↑/↓ older/newer · R replay · esc back"),
		r.Method + " " + s.url.Render(orDash(r.URL)) + " " + r.Proto,
		fmt.Sprintf("status %s · %s", status, fmtSize(r.Bytes)),
		fmt.Sprintf("total %s · slot wait %s · first byte %s", fmtDuration(r.Duration), fmtDuration(r.Wait), fmtDuration(r.FirstByte)),
		m.servedBy(rec),
	}
	lines = append(lines, m.replayLines(rec)...)
	lines = append(lines, s.tableHead.Render(fmt.Sprintf("stderr of this request (%s)", plural(len(r.Stderr), "line"))))
	for _, l := range r.Stderr {
		lines = append(lines, "  "+s.warn.Render(clean(l)))
	}
	lines = append(lines, s.tableHead.Render("request headers"))
	lines = append(lines, headerLines(r.ReqHeader)...)
	if r.BodyKept && len(r.Body) > 0 {
		lines = append(lines, s.tableHead.Render(fmt.Sprintf("request body (%s)", fmtSize(int64(len(r.Body))))),
			"  "+clean(firstN(string(r.Body), 200)))
	}
	lines = append(lines, s.tableHead.Render("response headers"))
	lines = append(lines, headerLines(r.RespHeader)...)
	return lines
}

func (m Model) servedBy(rec *reqRec) string {
	if rec.info.Worker == 0 {
		return "answered by zoo-dev itself (no worker)"
	}
	gen := "generation unknown"
	if rec.gen > 0 {
		gen = fmt.Sprintf("generation %d", rec.gen)
	}
	return fmt.Sprintf("worker pid %d · %s", rec.info.Worker, gen)
}

// replayLines put the replay's answer beside the original one.
func (m Model) replayLines(rec *reqRec) []string {
	s := m.styles
	d, ok := m.replays[rec]
	switch {
	case !ok:
		return nil
	case d.status == 0 && d.err != nil:
		return []string{s.err.Render("replay: " + d.err.Error())}
	case d.status == 0:
		return []string{s.dim.Render("replay: sent, waiting for the answer")}
	}
	r := rec.info
	row := func(name, was, now string) string { return fmt.Sprintf("  %-8s %-14s %s", name, was, now) }
	return []string{
		s.tableHead.Render(row("", "original", "replay")),
		row("status", fmt.Sprint(r.Status), s.forStatus(d.status).Render(fmt.Sprint(d.status))),
		row("bytes", fmtSize(r.Bytes), fmtSize(d.bytes)),
		row("time", fmtDuration(r.Duration), fmtDuration(d.dur)),
	}
}

func headerLines(h map[string][]string) []string {
	if len(h) == 0 {
		return []string{"  (none)"}
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		out = append(out, "  "+k+": "+clean(strings.Join(h[k], ", ")))
	}
	return out
}

func fmtSize(n int64) string {
	if n < 10<<10 {
		return fmt.Sprintf("%d B", n)
	}
	return fmtBytes(n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// bodiesKept is how many of the newest requests keep their body for a replay;
// older ones let it go, so the log's ring does not hold a body per line.
const bodiesKept = 200

// bodyKeeper remembers which requests hold a body, oldest first.
type bodyKeeper struct{ recs []*reqRec }

func (k *bodyKeeper) keep(r *reqRec) {
	if len(r.info.Body) == 0 {
		return
	}
	k.recs = append(k.recs, r)
	if len(k.recs) > bodiesKept {
		old := k.recs[0]
		old.info.Body, old.info.BodyKept = nil, false
		k.recs = k.recs[1:]
	}
}

// genOf is the generation of the worker pid in the workers table, 0 when unknown.
func (a *appState) genOf(pid int) int {
	for _, w := range a.workers {
		if w.PID == pid {
			return w.Gen
		}
	}
	return 0
}
