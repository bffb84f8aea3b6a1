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
	oldCode                        lipgloss.Style // RUNNING, but on the code before a failed reload
	status2, status3, status4      lipgloss.Style
	status5                        lipgloss.Style
	tableHead, paneTitle           lipgloss.Style
	spark                          lipgloss.Style
	badges                         map[string]lipgloss.Style // worker states
	line                           paints                    // for log lines
}

// Colours come in pairs, one that reads on a light terminal and one on a dark
// one; lipgloss picks by the terminal's background, and drops them all with NO_COLOR.
var (
	colDim    = lipgloss.AdaptiveColor{Light: "242", Dark: "245"}
	colBlue   = lipgloss.AdaptiveColor{Light: "25", Dark: "39"}
	colGreen  = lipgloss.AdaptiveColor{Light: "28", Dark: "42"}
	colYellow = lipgloss.AdaptiveColor{Light: "130", Dark: "214"}
	colRed    = lipgloss.AdaptiveColor{Light: "160", Dark: "203"}
	colPurple = lipgloss.AdaptiveColor{Light: "91", Dark: "141"}
	colOnBg   = lipgloss.AdaptiveColor{Light: "231", Dark: "16"} // text on a badge
)

func newStyles() *styles {
	c := func(col lipgloss.TerminalColor) lipgloss.Style { return lipgloss.NewStyle().Foreground(col) }
	badge := func(col lipgloss.TerminalColor) lipgloss.Style {
		return lipgloss.NewStyle().Background(col).Foreground(colOnBg).Bold(true)
	}
	s := &styles{
		title:     lipgloss.NewStyle().Bold(true),
		url:       c(colBlue).Underline(true),
		dim:       c(colDim),
		tabOn:     lipgloss.NewStyle().Bold(true).Reverse(true),
		tabOff:    c(colDim),
		warn:      c(colYellow),
		oldCode:   c(colYellow).Bold(true),
		err:       c(colRed).Bold(true),
		status2:   c(colGreen),
		status3:   c(colBlue),
		status4:   c(colYellow),
		status5:   c(colRed).Bold(true),
		tableHead: c(colDim).Bold(true),
		paneTitle: lipgloss.NewStyle().Bold(true),
		spark:     c(colBlue),
		badges: map[string]lipgloss.Style{
			"ready": badge(colGreen), "busy": badge(colBlue), "starting": badge(colYellow),
			"stopping": badge(colDim), "crashed": badge(colRed), "failed": badge(colRed),
		},
	}
	s.state = [6]lipgloss.Style{
		event.StateStopped:   c(colDim).Bold(true),
		event.StateDeploying: c(colPurple).Bold(true),
		event.StateStarting:  c(colYellow).Bold(true),
		event.StateRunning:   c(colGreen).Bold(true),
		event.StateReloading: c(colBlue).Bold(true),
		event.StateFailed:    c(colRed).Bold(true).Reverse(true),
	}
	s.source = [5]lipgloss.Style{
		event.SourceZoo:    c(colBlue),
		event.SourceDeploy: c(colPurple),
		event.SourceStdout: lipgloss.NewStyle(),
		event.SourceStderr: c(colYellow),
		event.SourceAccess: c(colDim),
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

func (s *styles) badge(state string) lipgloss.Style {
	if b, ok := s.badges[state]; ok {
		return b
	}
	return s.badges["stopping"]
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
