package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// feedInterval lets events gather after the first one arrives, so the screen is
// redrawn at most about 20 times a second however fast the app writes.
const feedInterval = 50 * time.Millisecond

// clockInterval refreshes uptime and requests per second while nothing happens.
const clockInterval = time.Second

// batchMsg carries the events drained from the subscriber in one go.
type batchMsg struct {
	events  []event.Event
	dropped uint64
}

// clockMsg is the periodic refresh.
type clockMsg time.Time

// feeder drains a host subscriber; its buffer is reused across batches (each
// batch is folded into the model before the next wait is armed).
type feeder struct {
	ctx context.Context
	sub *event.Sub
	buf []event.Event
}

// feedCmd waits for events (or the end of ctx), lets a frame's worth gather, then
// drains them as one batchMsg. Update re-arms it after each batch.
func (f *feeder) feedCmd() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-f.ctx.Done():
			return nil
		case <-f.sub.Ready():
		}
		t := time.NewTimer(feedInterval)
		defer t.Stop()
		select {
		case <-f.ctx.Done():
			return nil
		case <-t.C:
		}
		var dropped uint64
		f.buf, dropped = f.sub.Drain(f.buf[:0])
		return batchMsg{events: f.buf, dropped: dropped}
	}
}

func clockCmd() tea.Cmd {
	return tea.Tick(clockInterval, func(t time.Time) tea.Msg { return clockMsg(t) })
}
