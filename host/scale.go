package host

import (
	"context"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// Scaling by load, like Helicon Zoo between minInstances and maxInstances: a worker
// more when every request slot was taken at two ticks in a row, a worker fewer after
// a minute without a request. A fixed --workers count turns it off.
const (
	busyTicks = 2  // saturated ticks before a worker is added
	idleTicks = 60 // ticks without a request before a worker is removed
)

// autoscaler is the loop's memory of recent load.
type autoscaler struct {
	on         bool
	busy, idle int
	served     int64
}

// tick looks at the serving generation's load once a second and returns the change
// of worker count it asks for: +1, -1 or 0.
func (s *autoscaler) tick(a *app) int {
	g := a.serving
	if !s.on || g == nil {
		return 0
	}
	load := a.front.Load(a.name)
	inflight, served := 0, int64(0)
	for _, w := range g.workers {
		inflight += load[w.pid()].InFlight
		served += load[w.pid()].Served
	}
	capacity := len(g.workers) * a.spec.cfg.Threads
	if capacity > 0 && inflight >= capacity {
		s.busy++
	} else {
		s.busy = 0
	}
	if inflight == 0 && served == s.served {
		s.idle++
	} else {
		s.idle = 0
	}
	s.served = served
	switch {
	case s.busy >= busyTicks && a.want < a.spec.cfg.MaxWorkers:
		s.busy = 0
		return +1
	case s.idle >= idleTicks && a.want > max(a.spec.cfg.MinWorkers, 1):
		s.idle = 0
		return -1
	}
	return 0
}

// autoscale applies the autoscaler's verdict.
func (a *app) autoscale(ctx context.Context, lc *loopChans) {
	if d := a.scaler.tick(a); d != 0 {
		a.logf(event.LevelInfo, "workers: load asks for %+d", d)
		a.scale(ctx, lc, d)
	}
}

// scale changes the wanted worker count by delta, up to max workers and down to 1
// (a count set above the max with --workers is never lowered by a +). Missing
// workers start in the background; extra ones get SIGTERM, finish what they serve
// within the stop grace period, and exit.
func (a *app) scale(ctx context.Context, lc *loopChans, delta int) {
	want := a.want + delta
	if delta > 0 {
		want = min(want, max(a.spec.cfg.MaxWorkers, a.want))
	}
	want = max(want, 1)
	if want == a.want {
		a.logf(event.LevelWarn, "workers: already %d (min 1, max %d)", a.want, a.spec.cfg.MaxWorkers)
		return
	}
	a.want = want
	a.logf(event.LevelInfo, "workers: %d", want)
	g := a.serving
	if g == nil {
		return // the launch in progress or the next one starts want workers
	}
	if have := len(g.workers) + lc.pending + lc.starting; have < want {
		lc.pending += want - have
		if lc.replace == nil {
			lc.replace = time.After(0)
		}
	}
	lc.pending = max(0, min(lc.pending, want-len(g.workers)-lc.starting))
	if len(g.workers) > want {
		extra := append([]*worker(nil), g.workers[want:]...)
		g.workers = g.workers[:want]
		a.front.Serve(a.name, g.id, g.endpoints(a.spec.cfg.Threads))
		a.jobs.Add(1)
		go func() {
			defer a.jobs.Done()
			(&generation{workers: extra}).stop()
		}()
	}
	a.publishWorkers()
}
