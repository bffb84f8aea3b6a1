package tui

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// TestRunReturns: Run ends with nil both when the user quits and when ctx is done.
func TestRunReturns(t *testing.T) {
	tests := []struct {
		name   string
		input  io.Reader
		cancel bool
	}{
		{"q quits", bytes.NewBufferString("q"), false},
		{"ctx done", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := event.NewBus()
			sub := bus.Subscribe(100)
			defer sub.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			var out bytes.Buffer
			go func() {
				done <- Run(ctx, Options{Apps: []AppInfo{{Name: "web"}}, Sub: sub},
					tea.WithInput(tc.input), tea.WithOutput(&out), tea.WithoutSignals())
			}()
			if tc.cancel {
				cancel()
			}
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v, want nil", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return within 5 s")
			}
		})
	}
}
