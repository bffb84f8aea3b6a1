package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
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
	n := 1 + lipgloss.Height(m.footer()) // the log title and the footer
	if len(m.apps) > 1 {
		n++ // tabs
	}
	if len(m.apps) > 0 {
		n += 2 + m.workerRows() + 1 // header and the table with its head
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

// View draws the screen; only the visible log lines are touched.
func (m Model) View() string {
	var b strings.Builder
	put := func(s string) {
		b.WriteString(ansi.Truncate(s, m.width, "…"))
		b.WriteByte('\n')
	}
	if len(m.apps) > 1 {
		put(m.tabs())
	}
	if len(m.apps) > 0 {
		a := m.apps[m.sel]
		put(m.headerTop(a))
		put(m.headerBottom(a))
		for _, row := range m.workerTable(a) {
			put(row)
		}
	}
	put(m.paneTitle())
	win := m.pane.window()
	for _, n := range win {
		put(" " + m.pane.line(n).styled)
	}
	for i := len(win); i < m.pane.height; i++ {
		b.WriteByte('\n')
	}
	foot := strings.Split(m.footer(), "\n")
	for i, l := range foot {
		b.WriteString(ansi.Truncate(l, m.width, "…"))
		if i < len(foot)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (m Model) tabs() string {
	parts := make([]string, len(m.apps))
	for i, a := range m.apps {
		label := " " + a.info.Name + " " + m.styles.forState(a.state).Render(a.state.String()) + " "
		if i == m.sel {
			parts[i] = "[" + m.styles.tabOn.Render(label) + "]"
		} else {
			parts[i] = " " + m.styles.tabOff.Render(label) + " "
		}
	}
	return strings.Join(parts, "") + m.styles.dim.Render("  tab/shift+tab")
}

func (m Model) headerTop(a *appState) string {
	s := m.styles
	parts := []string{s.title.Render(a.info.Name), s.url.Render(a.info.URL), s.forState(a.state).Render(a.state.String())}
	if up := a.uptime(m.now); up > 0 {
		parts = append(parts, "up "+fmtUptime(up))
	}
	if a.reason != "" && a.state != event.StateRunning {
		parts = append(parts, s.dim.Render(a.reason))
	}
	return " " + strings.Join(parts, "  ")
}

func (m Model) headerBottom(a *appState) string {
	s := m.styles
	errs := plural(a.errors, "error")
	if a.errors > 0 {
		errs = s.err.Render(errs)
	}
	parts := []string{fmt.Sprintf("%.1f req/s", a.rate(m.now)), plural(int(a.requests), "request"), errs}
	switch r := a.reload; {
	case r == nil:
		parts = append(parts, s.dim.Render("no reload yet"))
	case r.Err != "":
		parts = append(parts, s.err.Render("reload "+a.reloadAt.Format("15:04:05")+" failed"))
	default:
		parts = append(parts, fmt.Sprintf("reload %s (%d ms, generation %d)",
			a.reloadAt.Format("15:04:05"), r.Total.Milliseconds(), r.Gen))
	}
	return " " + strings.Join(parts, "  ")
}

func (m Model) workerTable(a *appState) []string {
	head := m.styles.tableHead.Render(fmt.Sprintf(" %-8s %-9s %4s %9s %8s %9s %8s",
		"PID", "STATE", "GEN", "IN-FLIGHT", "SERVED", "MEMORY", "RESTARTS"))
	rows := []string{head}
	if len(a.workers) == 0 {
		return append(rows, m.styles.dim.Render(" no workers"))
	}
	for i, w := range a.workers {
		if i == maxWorkerRows {
			rows = append(rows, m.styles.dim.Render(fmt.Sprintf(" +%d more", len(a.workers)-i)))
			break
		}
		rows = append(rows, fmt.Sprintf(" %-8d %-9s %4d %9d %8d %9s %8d",
			w.PID, w.State, w.Gen, w.InFlight, w.Served, fmtBytes(w.RSS), w.Restarts))
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
	if m.dropped > 0 {
		parts = append(parts, m.styles.warn.Render(fmt.Sprintf("%d lines dropped", m.dropped)))
	}
	return " " + strings.Join(parts, " · ")
}

// footer is the filter input while it is open, otherwise the help from the key map,
// indented by one column like the rest of the screen.
func (m Model) footer() string {
	var s string
	switch {
	case m.filterOn:
		s = m.input.View()
	case m.help.ShowAll:
		s = m.help.FullHelpView(m.keys.FullHelp())
	default:
		s = m.help.ShortHelpView(m.keys.ShortHelp())
	}
	return " " + strings.ReplaceAll(s, "\n", "\n ")
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

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
