package tui

import (
	"fmt"
	"io"
	"strings"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// writeSummary is what stays in the terminal's scrollback after the dashboard's
// screen is gone: each app's last failure, if it has one, and one line of totals.
func (m Model) writeSummary(w io.Writer) {
	var b strings.Builder
	for _, a := range m.apps {
		if len(a.failure) > 0 && (a.state == event.StateFailed || a.lastErr != "") {
			fmt.Fprintf(&b, "zoo-dev: %s: last failure:\n", a.info.Name)
			for _, l := range a.failure {
				b.WriteString("  " + clean(l) + "\n")
			}
		}
	}
	for _, a := range m.apps {
		reloads := fmt.Sprintf("%d reload(s)", len(a.reloads))
		if r := a.lastReload(); r != nil && r.info.Err == "" {
			reloads += fmt.Sprintf(", the last in %d ms", r.info.Total.Milliseconds())
		}
		fmt.Fprintf(&b, "zoo-dev: %s %s, %s, %s, %s\n", a.info.Name, a.state,
			plural(int(a.requests), "request"), plural(a.errors, "error"), reloads)
	}
	io.WriteString(w, b.String())
}
