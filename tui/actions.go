package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// actionKey turns the host keys (restart, redeploy, workers, open) into commands,
// noting each request in the log so the key visibly did something.
func (m Model) actionKey(msg tea.KeyMsg) tea.Cmd {
	if len(m.apps) == 0 {
		return nil
	}
	k, sel := m.keys, m.sel
	a := m.apps[sel].info
	if key.Matches(msg, k.Open) {
		if a.URL == "" {
			return nil
		}
		m.note(sel, event.LevelInfo, "opening "+a.URL)
		return openCmd(sel, m.opts.OpenURL, a.URL)
	}
	var what string
	var call func(Control)
	switch {
	case key.Matches(msg, k.Restart):
		what, call = "restart requested", func(c Control) { c.Restart(a.Name) }
	case key.Matches(msg, k.Redeploy):
		what, call = "redeploy requested", func(c Control) { c.Redeploy(a.Name) }
	case key.Matches(msg, k.More):
		what, call = "one more worker requested", func(c Control) { c.SetWorkers(a.Name, 1) }
	case key.Matches(msg, k.Fewer):
		what, call = "one worker fewer requested", func(c Control) { c.SetWorkers(a.Name, -1) }
	default:
		return nil
	}
	ctl := m.opts.Control
	if ctl == nil {
		m.note(sel, event.LevelWarn, what+", but this dashboard has no host control")
		return nil
	}
	m.note(sel, event.LevelInfo, what)
	return controlCmd(sel, what, func() { call(ctl) })
}

// note adds a line of the dashboard's own to the log.
func (m Model) note(app int, level event.Level, text string) {
	m.pane.add(m.styles.noteLine(m.clock(), app, level, text))
}
