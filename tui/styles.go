package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// styles are built once; lipgloss rendering is not cheap, so log lines are styled
// once when they enter the ring and the header uses only a handful per frame.
type styles struct {
	title, url, dim, tabOn, tabOff lipgloss.Style
	state                          [6]lipgloss.Style // by event.State
	source                         [5]lipgloss.Style // by event.Source
	warn, err                      lipgloss.Style
	status2, status3, status4      lipgloss.Style
	status5                        lipgloss.Style
	tableHead, paneTitle           lipgloss.Style
	line                           paints // for log lines
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
		event.StateStopped:   c("245").Bold(true),
		event.StateDeploying: c("141").Bold(true),
		event.StateStarting:  c("214").Bold(true),
		event.StateRunning:   c("42").Bold(true),
		event.StateReloading: c("39").Bold(true),
		event.StateFailed:    c("203").Bold(true).Reverse(true),
	}
	s.source = [5]lipgloss.Style{
		event.SourceZoo:    c("39"),
		event.SourceDeploy: c("141"),
		event.SourceStdout: lipgloss.NewStyle(),
		event.SourceStderr: c("214"),
		event.SourceAccess: c("245"),
	}
	s.line = s.makePaints()
	return s
}

func (s *styles) forState(st event.State) lipgloss.Style {
	if int(st) < len(s.state) {
		return s.state[st]
	}
	return s.dim
}

func (s *styles) forSource(src event.Source) lipgloss.Style {
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

// paint is a style reduced to the escape codes around its text, so styling a log
// line is two string concatenations instead of a full lipgloss render.
type paint struct{ pre, post string }

func paintOf(st lipgloss.Style) paint {
	const mark = "\x00"
	out := st.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(mark):]}
}

func (p paint) on(s string) string {
	if p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

// paints are the log line styles, derived once from styles.
type paints struct {
	dim, warn, err, access paint
	state                  [6]paint
	source                 [5]paint
	status                 [6]paint // by status class: 2xx at 2 … 5xx at 5
}

func (s *styles) makePaints() paints {
	p := paints{dim: paintOf(s.dim), warn: paintOf(s.warn), err: paintOf(s.err), access: paintOf(s.source[event.SourceAccess])}
	for i, st := range s.state {
		p.state[i] = paintOf(st)
	}
	for i, st := range s.source {
		p.source[i] = paintOf(st)
	}
	for class := 1; class <= 5; class++ {
		p.status[class] = paintOf(s.forStatus(class * 100))
	}
	return p
}

func (p *paints) forStatus(code int) paint {
	class := code / 100
	if class < 1 || class > 5 {
		class = 5
	}
	return p.status[class]
}

func (p *paints) forSource(src event.Source) paint {
	if int(src) < len(p.source) {
		return p.source[src]
	}
	return p.dim
}
