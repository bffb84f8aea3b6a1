package tui

import (
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// rateWindow is how far back requests per second look.
const rateWindow = 5 * time.Second

// appState is what the header and the workers table show for one app, folded
// from its events.
type appState struct {
	info     AppInfo
	state    event.State
	reason   string    // why the state last changed
	upSince  time.Time // zero unless running (a reload keeps it)
	errors   int       // 5xx responses, error lines and tracebacks
	requests int64
	reload   *event.ReloadInfo
	reloadAt time.Time
	workers  []event.WorkerInfo
	buckets  [8]bucket // requests per second of event time, for the rate
	firstReq int64     // unix second of the first request, so a fresh app's rate is not diluted
}

type bucket struct {
	sec int64
	n   int
}

// apply folds one event of this app into the state.
func (a *appState) apply(e event.Event) {
	switch e.Kind {
	case event.KindState:
		a.setState(e)
	case event.KindRequest:
		a.requests++
		a.count(e.Time)
		if e.Request != nil && e.Request.Status >= 500 {
			a.errors++
		}
	case event.KindReload:
		a.reload, a.reloadAt = e.Reload, e.Time
		if e.Reload != nil && e.Reload.Err != "" {
			a.errors++
		}
	case event.KindWorkers:
		a.workers = e.Workers
	case event.KindLog:
		if e.Level == event.LevelError || strings.HasPrefix(e.Text, tracebackHead) {
			a.errors++
		}
	}
}

func (a *appState) setState(e event.Event) {
	switch e.State {
	case event.StateRunning:
		if a.upSince.IsZero() {
			a.upSince = e.Time
		}
	case event.StateReloading:
	default:
		a.upSince = time.Time{}
	}
	a.state, a.reason = e.State, e.Text
}

func (a *appState) count(t time.Time) {
	sec := t.Unix()
	if a.firstReq == 0 || sec < a.firstReq {
		a.firstReq = sec
	}
	b := &a.buckets[uint64(sec)%uint64(len(a.buckets))]
	if b.sec != sec {
		b.sec, b.n = sec, 0
	}
	b.n++
}

// rate is the requests per second over the last rateWindow before now (or since
// the first request, when that is more recent).
func (a *appState) rate(now time.Time) float64 {
	secs := int64(rateWindow / time.Second)
	hi := now.Unix()
	if a.firstReq == 0 {
		return 0
	}
	if since := hi - a.firstReq + 1; since < secs && since > 0 {
		secs = since
	}
	n := 0
	for _, b := range a.buckets {
		if b.sec > hi-secs && b.sec <= hi {
			n += b.n
		}
	}
	return float64(n) / float64(secs)
}

// uptime is how long the app has been serving, or 0.
func (a *appState) uptime(now time.Time) time.Duration {
	if a.upSince.IsZero() || now.Before(a.upSince) {
		return 0
	}
	return now.Sub(a.upSince)
}
