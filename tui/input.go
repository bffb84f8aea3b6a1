package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func (m Model) mouse(msg tea.MouseMsg) Model {
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		m.pane.scroll(3)
	case tea.MouseButtonWheelDown:
		m.pane.scroll(-3)
	}
	return m
}

// filterKey edits the filter, which applies as it is typed: enter keeps it and
// gives the keys back, esc clears it.
func (m Model) filterKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		m.closeFilter()
		return m, nil
	case tea.KeyEsc:
		m.closeFilter()
		m.input.SetValue("")
		m.pane.setFilter("")
		return m, nil
	case tea.KeyCtrlC:
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if v := m.input.Value(); v != m.pane.filter {
		m.pane.setFilter(v)
	}
	return m, cmd
}

func (m *Model) closeFilter() {
	m.filterOn = false
	m.input.Blur()
	m.layout()
}

// back closes what is on top: the help, else the reload history, else the filter.
func (m *Model) back() {
	switch {
	case m.help.ShowAll:
		m.help.ShowAll = false
		m.layout()
	case m.history:
		m.history = false
	default:
		m.pane.setFilter("")
		m.input.SetValue("")
	}
}

// viewKey handles the keys that choose which lines the log shows.
func (m *Model) viewKey(msg tea.KeyMsg) bool {
	k, p := m.keys, m.pane
	switch {
	case key.Matches(msg, k.Follow):
		p.setFollow(!p.follow)
	case key.Matches(msg, k.Clear):
		p.clearApp()
	case key.Matches(msg, k.View):
		m.setView((p.view + 1) % viewCount)
	case key.Matches(msg, k.All):
		m.setView(viewAll)
	case key.Matches(msg, k.Requests):
		m.setView(viewRequests)
	case key.Matches(msg, k.Errors):
		m.setView(viewErrors)
	case key.Matches(msg, k.Debug):
		p.debug = !p.debug
		p.rebuild()
	default:
		return false
	}
	return true
}

func (m Model) scrollKey(msg tea.KeyMsg) bool {
	k, p := m.keys, m.pane
	switch {
	case key.Matches(msg, k.Up):
		p.scroll(1)
	case key.Matches(msg, k.Down):
		p.scroll(-1)
	case key.Matches(msg, k.PageUp):
		p.scroll(p.height)
	case key.Matches(msg, k.PageDown):
		p.scroll(-p.height)
	case key.Matches(msg, k.Home):
		p.scroll(len(p.idx))
	case key.Matches(msg, k.End):
		p.setFollow(true)
	default:
		return false
	}
	return true
}
