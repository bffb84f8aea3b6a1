package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// footer is the filter input while it is open, otherwise bubbles' short help of
// as many keys as fit; help and quit always do.
func (m Model) footer() string {
	if m.filterOn {
		return " " + m.input.View()
	}
	keys := m.keys.ShortHelp()
	if m.insp != nil {
		keys = m.keys.inspectorHelp()
	}
	h := m.help
	h.Width = 0
	must := keys[len(keys)-2:]
	for n := len(keys) - 2; n > 0; n-- {
		s := h.ShortHelpView(append(keys[:n:n], must...))
		if lipgloss.Width(s)+1 <= m.width {
			return " " + s
		}
	}
	return " " + h.ShortHelpView(must)
}

// fullHelp is the `?` page: bubbles' full help, its columns wrapped onto as many
// rows as the width needs instead of being cut.
func (m Model) fullHelp() []string {
	h := m.help
	h.Width = 0
	var rows []string
	var line []string
	used := 0
	flush := func() {
		if len(line) > 0 {
			block := lipgloss.JoinHorizontal(lipgloss.Top, line...)
			for _, r := range strings.Split(block, "\n") {
				rows = append(rows, strings.TrimRight(r, " "))
			}
			line, used = nil, 0
		}
	}
	for _, col := range m.keys.FullHelp() {
		block := h.FullHelpView([][]key.Binding{col}) + "    "
		w := lipgloss.Width(block)
		if used > 0 && used+w > m.width-1 {
			flush()
		}
		line = append(line, block)
		used += w
	}
	flush()
	return indent(rows)
}

// historyLines are the last reloads: when, the file that triggered it, save →
// served as a number and a bar.
func (m Model) historyLines(a *appState) []string {
	if len(a.reloads) == 0 {
		return []string{m.styles.dim.Render(" no reload yet: save a watched file or press r")}
	}
	var max time.Duration
	for _, r := range a.reloads {
		if r.info.Total > max {
			max = r.info.Total
		}
	}
	barW := m.width - 48
	if barW > 30 {
		barW = 30
	}
	var out []string
	for i := len(a.reloads) - 1; i >= 0; i-- {
		r := a.reloads[i]
		head := fmt.Sprintf(" %s  %-16s ", r.at.Format("15:04:05"), ansi.Truncate(r.info.Trigger, 16, "…"))
		if r.info.Err != "" {
			first, _ := firstLine(r.info.Err)
			out = append(out, head+m.styles.err.Render("failed: "+clean(first)))
			continue
		}
		out = append(out, head+fmt.Sprintf("%6d ms  gen %-3d ", r.info.Total.Milliseconds(), r.info.Gen)+
			m.styles.spark.Render(bar(r.info.Total, max, barW)))
	}
	return out
}
