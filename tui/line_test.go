package tui

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestPaintMatchesLipgloss: the cached escape codes colour a line exactly as
// lipgloss would, so styling once is not styling differently.
func TestPaintMatchesLipgloss(t *testing.T) {
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	s := newStyles()
	for name, st := range map[string]lipgloss.Style{"dim": s.dim, "err": s.err, "failed": s.state[5], "plain": s.source[2]} {
		if got, want := paintOf(st).on("GET /x 500"), st.Render("GET /x 500"); got != want {
			t.Errorf("%s: paint %q, lipgloss %q", name, got, want)
		}
	}
	if p := paintOf(s.err); p.pre == "" {
		t.Error("error style has no escape codes under ANSI256")
	}
}

// TestCleanKeepsOneRow: app output cannot move the cursor or break the row.
func TestCleanKeepsOneRow(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\tb", "a    b"},
		{"progress\r50%", "progress50%"},
		{"\x1b[31mred\x1b[0m text", "red text"},
		{"\x1b[2Jclear", "clear"},
		{"bell\a", "bell"},
	}
	for _, tc := range tests {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
