package tui

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// stampLayout is the time stamp of headless lines.
const stampLayout = "15:04:05.000"

// PrintLines is the headless mode: it writes every event as one line (a time stamp
// and Event.Line) as events arrive, until ctx is done; then it prints what is still
// waiting and returns. Drops by the subscriber are reported as a line of their own.
// Worker snapshots are left out: they are for the dashboard's table.
// Each batch is written with one write, not one per line.
func PrintLines(ctx context.Context, w io.Writer, sub *event.Sub) error {
	var buf []event.Event
	bw := bufio.NewWriterSize(w, 64<<10)
	for {
		done := false
		select {
		case <-ctx.Done():
			done = true
		case <-sub.Ready():
		}
		var err error
		if buf, err = flushLines(bw, sub, buf); err == nil {
			err = bw.Flush()
		}
		if err != nil || done {
			return err
		}
	}
}

// flushLines drains sub and writes its events; it returns the buffer for reuse.
func flushLines(w io.Writer, sub *event.Sub, buf []event.Event) ([]event.Event, error) {
	buf, dropped := sub.Drain(buf[:0])
	if dropped > 0 {
		if _, err := fmt.Fprintf(w, "(%d lines dropped)\n", dropped); err != nil {
			return buf, fmt.Errorf("print events: %w", err)
		}
	}
	for i := range buf {
		e := &buf[i]
		if e.Kind == event.KindWorkers {
			continue // a periodic table for the dashboard; starts and crashes are log lines
		}
		if _, err := fmt.Fprintf(w, "%s %s\n", e.Time.Format(stampLayout), e.Line()); err != nil {
			return buf, fmt.Errorf("print events: %w", err)
		}
	}
	return buf, nil
}
