package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// maxWorkerRows caps the workers table so the log keeps most of the screen.
const maxWorkerRows = 6

// layout gives the log pane whatever height the other parts leave.
func (m *Model) layout() {
	h := m.height - m.chromeHeight()
	if h < 1 {
		h = 1
	}
	m.pane.height = h
	m.pane.clamp()
}

func (m *Model) chromeHeight() int {
	n := 2 // the pane's title and the footer
	if len(m.apps) > 0 {
		n += len(m.apps) // one line per app
		if !m.help.ShowAll {
			n += 1 + 1 + m.workerRows() // the stats, the table; the help takes their place
		}
	}
	return n
}

func (m *Model) workerRows() int {
	if len(m.apps) == 0 {
		return 0
	}
	w := len(m.apps[m.sel].workers)
	if w > maxWorkerRows {
		return maxWorkerRows + 1 // "+N more"
	}
	if w == 0 {
		return 1 // "no workers"
	}
	return w
}

// View draws the screen; only the visible log lines are touched. Every row is cut
// to the width, so nothing wraps and the footer stays on the last row.
func (m Model) View() string {
	var b strings.Builder
	put := func(s string) {
		b.WriteString(ansi.Truncate(s, m.width, "…"))
		b.WriteByte('\n')
	}
	if len(m.apps) > 0 {
		for i, a := range m.apps {
			put(m.appLine(i, a))
		}
		if a := m.apps[m.sel]; !m.help.ShowAll {
			put(m.statsLine(a))
			for _, row := range m.workerTable(a) {
				put(row)
			}
		}
	}
	body := m.body()
	put(body.title)
	for _, l := range body.lines {
		put(l)
	}
	for i := len(body.lines); i < m.pane.height; i++ {
		b.WriteByte('\n')
	}
	b.WriteString(ansi.Truncate(m.footer(), m.width, "…"))
	return b.String()
}

// paneBody is what fills the space between the header and the footer.
type paneBody struct {
	title string
	lines []string
}

func (m Model) body() paneBody {
	h := m.pane.height
	clip := func(ls []string) []string {
		if len(ls) > h {
			return ls[:h]
		}
		return ls
	}
	switch {
	case m.help.ShowAll:
		return paneBody{" " + m.styles.paneTitle.Render("KEYS") + m.styles.dim.Render(" · ? or esc closes"), clip(m.fullHelp())}
	case m.insp != nil:
		ls := m.inspectorLines()
		body := ls[1:]
		top := min(m.inspTop, max(0, len(body)-h))
		return paneBody{" " + ls[0], clip(indent(body[top:]))}
	case m.history && len(m.apps) > 0:
		return paneBody{" " + m.styles.paneTitle.Render("RELOADS") + m.styles.dim.Render(" · save → served · h closes"),
			clip(m.historyLines(m.apps[m.sel]))}
	}
	var lines []string
	for _, n := range m.pane.window() {
		lines = append(lines, " "+m.pane.line(n).render(m.width-1))
	}
	return paneBody{m.paneTitle(), lines}
}

func indent(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = " " + l
	}
	return out
}

// appLine is one app in one row: name, state, URL and the last reload's result
// (or, when it is not running, the first line of why).
func (m Model) appLine(i int, a *appState) string {
	s := m.styles
	mark := " "
	if len(m.apps) > 1 && i == m.sel {
		mark = "▸"
	}
	if a.state == event.StateRunning && a.oldCode != "" {
		// the newest save failed: say so where RUNNING would be, then the exception
		parts := []string{mark + s.title.Render(a.info.Name), s.oldCode.Render("serving old code: reload failed"), s.url.Render(a.info.URL)}
		return strings.Join(append(parts, s.warn.Render(clean(headline(a.oldCode)))), "  ")
	}
	parts := []string{mark + s.title.Render(a.info.Name), s.forState(a.state).Render(a.state.String()), s.url.Render(a.info.URL)}
	if up := a.uptime(m.now); up > 0 {
		parts = append(parts, "up "+fmtUptime(up))
	}
	if a.reason != "" && a.state != event.StateRunning {
		parts = append(parts, s.dim.Render(clean(headline(a.reason))))
	} else if r := a.lastReload(); r != nil {
		parts = append(parts, m.reloadResult(r))
	}
	return strings.Join(parts, "  ")
}

func (m Model) reloadResult(r *reloadRec) string {
	if r.info.Err != "" {
		return m.styles.err.Render("reload failed, still gen " + fmt.Sprint(r.info.Gen))
	}
	return fmt.Sprintf("reload %d ms gen %d", r.info.Total.Milliseconds(), r.info.Gen)
}

// statsLine is the selected app's traffic: the rate and the p50 with their
// sparklines over the last seconds, the request and error counts.
func (m Model) statsLine(a *appState) string {
	s := m.styles
	errs := plural(a.errors, "error")
	if a.errors > 0 {
		errs = s.err.Render(errs)
	}
	n := sparkWidth(m.width)
	rate := fmt.Sprintf("%.1f req/s", a.rate(m.now))
	p50 := "p50 -"
	if d := a.p50(m.now); d > 0 {
		p50 = "p50 " + fmtDuration(d)
	}
	if n > 0 {
		counts, lat := a.series(m.now, n)
		rate += " " + s.spark.Render(sparkline(counts))
		p50 += " " + s.spark.Render(sparkline(lat))
	}
	return " " + strings.Join([]string{rate, p50, plural(int(a.requests), "request"), errs}, "  ")
}

// sparkWidth is how many seconds each sparkline shows at this width.
func sparkWidth(width int) int {
	switch {
	case width >= 160:
		return historySecs
	case width >= 110:
		return 30
	case width >= 78:
		return 12
	}
	return 0
}

func (m Model) workerTable(a *appState) []string {
	head := m.styles.tableHead.Render(fmt.Sprintf(" %-7s %-9s %3s %4s %7s %7s %8s",
		"PID", " STATE", "GEN", "BUSY", "SERVED", "MEMORY", "RESTARTS"))
	rows := []string{head}
	if len(a.workers) == 0 {
		return append(rows, m.styles.dim.Render(" no workers"))
	}
	for i, w := range a.workers {
		if i == maxWorkerRows {
			rows = append(rows, m.styles.dim.Render(fmt.Sprintf(" +%d more", len(a.workers)-i)))
			break
		}
		badge := m.styles.badge(w.State).Render(fmt.Sprintf(" %-7s ", w.State))
		rows = append(rows, fmt.Sprintf(" %-7d %s %3d %4d %7d %7s %8d",
			w.PID, badge, w.Gen, w.InFlight, w.Served, fmtBytes(w.RSS), w.Restarts))
	}
	return rows
}

func (m Model) paneTitle() string {
	p := m.pane
	parts := []string{m.styles.paneTitle.Render("LOG"), "view " + p.view.String()}
	if p.follow {
		parts = append(parts, "following")
	} else {
		parts = append(parts, m.styles.warn.Render(fmt.Sprintf("paused, %d newer below (f/end)", p.offset)))
	}
	if p.filter != "" {
		parts = append(parts, fmt.Sprintf("filter %q", p.filter))
	}
	if p.debug {
		parts = append(parts, "debug lines")
	}
	if m.dropped > 0 {
		parts = append(parts, m.styles.warn.Render(fmt.Sprintf("%d lines dropped", m.dropped)))
	}
	return " " + strings.Join(parts, " · ")
}

func fmtUptime(d time.Duration) string {
	s := int64(d.Seconds())
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

func fmtBytes(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n >= 1<<30:
		return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%dK", n/1024)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
