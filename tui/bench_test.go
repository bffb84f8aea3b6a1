package tui

import (
	"fmt"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// BenchmarkBatch5000 is the cost of one feed tick carrying 5,000 events (a mix of
// app output and requests) folded by Update and drawn by View at 120x40. At 20
// ticks a second this is the dashboard's share of a 100,000 lines/s stream.
func BenchmarkBatch5000(b *testing.B) {
	m := testModel(nil, "web").resized(120, 40)
	evs := make([]event.Event, 5000)
	for i := range evs {
		if i%5 == 0 {
			evs[i] = reqEv("web", "GET", fmt.Sprintf("/items/%d", i), 200, time.Second)
			continue
		}
		evs[i] = logEv("web", event.SourceStdout, fmt.Sprintf("INFO app: handled item %d in the usual way with some detail", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next, _ := m.Update(batchMsg{events: evs})
		m = next.(Model)
		_ = m.View()
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkView is one redraw of a full screen with a full ring.
func BenchmarkView(b *testing.B) {
	m := fill(ringSize).resized(120, 40)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = m.View()
	}
}
