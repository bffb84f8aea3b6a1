package tui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
)

// Run shows the dashboard in the terminal (alternate screen, mouse wheel on) and
// returns nil when the user quits (q, ctrl+c) or ctx is done. Stopping the host is
// the caller's job, so quitting the dashboard and SIGTERM end the same way.
func Run(ctx context.Context, opts Options, teaOpts ...tea.ProgramOption) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the feed's wait
	m := newModel(ctx, opts)
	all := append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx)}, teaOpts...)
	final, err := tea.NewProgram(m, all...).Run()
	if fm, ok := final.(Model); ok && opts.Summary != nil {
		fm.writeSummary(opts.Summary)
	}
	switch {
	case err == nil, errors.Is(err, tea.ErrInterrupted):
		return nil
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return nil
	}
	return fmt.Errorf("dashboard: %w", err)
}
