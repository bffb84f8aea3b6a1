package tui

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/zoo-dev/zoo-dev/host"
)

// styles are built once; lipgloss rendering is not cheap, so log lines are styled
// once when they enter the ring and the header uses only a handful per frame.
type styles struct {
	title, url, dim, tabOn, tabOff lipgloss.Style
	state                          [6]lipgloss.Style // by host.State
	source                         [5]lipgloss.Style // by host.Source
	warn, err                      lipgloss.Style
	status2, status3, status4      lipgloss.Style
	status5                        lipgloss.Style
	tableHead, paneTitle           lipgloss.Style
}

func newStyles() *styles {
	c := func(s string) lipgloss.Style { return lipgloss.NewStyle().Foreground(lipgloss.Color(s)) }
	s := &styles{
		title:     lipgloss.NewStyle().Bold(true),
		url:       c("39").Underline(true),
		dim:       c("245"),
		tabOn:     lipgloss.NewStyle().Bold(true).Reverse(true),
		tabOff:    c("245"),
		warn:      c("214"),
		err:       c("203").Bold(true),
		status2:   c("42"),
		status3:   c("39"),
		status4:   c("214"),
		status5:   c("203").Bold(true),
		tableHead: c("245").Bold(true),
		paneTitle: lipgloss.NewStyle().Bold(true),
	}
	s.state = [6]lipgloss.Style{
		host.StateStopped:   c("245").Bold(true),
		host.StateDeploying: c("141").Bold(true),
		host.StateStarting:  c("214").Bold(true),
		host.StateRunning:   c("42").Bold(true),
		host.StateReloading: c("39").Bold(true),
		host.StateFailed:    c("203").Bold(true).Reverse(true),
	}
	s.source = [5]lipgloss.Style{
		host.SourceZoo:    c("39"),
		host.SourceDeploy: c("141"),
		host.SourceStdout: lipgloss.NewStyle(),
		host.SourceStderr: c("214"),
		host.SourceAccess: c("245"),
	}
	return s
}

func (s *styles) forState(st host.State) lipgloss.Style {
	if int(st) < len(s.state) {
		return s.state[st]
	}
	return s.dim
}

func (s *styles) forSource(src host.Source) lipgloss.Style {
	if int(src) < len(s.source) {
		return s.source[src]
	}
	return s.dim
}

func (s *styles) forStatus(code int) lipgloss.Style {
	switch {
	case code >= 500:
		return s.status5
	case code >= 400:
		return s.status4
	case code >= 300:
		return s.status3
	}
	return s.status2
}
