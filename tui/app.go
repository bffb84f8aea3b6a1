package tui

import (
	"sort"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

const (
	rateWindow   = 5 * time.Second // how far back requests per second look
	historySecs  = 60              // seconds the sparklines remember
	samplesPerS  = 32              // request durations kept per second for the p50
	reloadsKept  = 8               // reloads the history shows
	lifecyclePre = "zoo-worker["   // the worker's own routine lines (debug level)
)

// appState is what the header and the workers table show for one app, folded
// from its events.
type appState struct {
	info     AppInfo
	state    event.State
	reason   string    // why the state last changed (may be several lines)
	upSince  time.Time // zero unless running (a reload keeps it)
	errors   int       // error events: a traceback with its lines is one
	inError  bool      // the lines now arriving belong to the error just counted
	lastErr  string    // the last error line, so a repeat (one per worker) is shown once
	muting   bool      // a repeated error's traceback lines are being skipped
	tbs      repeats   // hides a traceback that repeats the one just shown
	failure  []string  // the last failure with its traceback, for the quit summary
	oldCode  string    // why the newest code failed while older code keeps serving; "" when the newest serves
	requests int64
	reloads  []reloadRec // newest last
	workers  []event.WorkerInfo
	secs     [historySecs]second // requests of each second of event time, for the rate and sparklines
	firstReq int64               // unix second of the first request, so a fresh app's rate is not diluted
}

type second struct {
	sec  int64
	n    int
	durs []time.Duration // the first samplesPerS durations of the second
}

type reloadRec struct {
	at   time.Time
	info event.ReloadInfo
}

// apply folds one event of this app into the state; it reports false when the
// event repeats an error already shown and should not become a line.
func (a *appState) apply(e event.Event) bool {
	if a.repeat(e) {
		return false
	}
	a.countError(e)
	switch e.Kind {
	case event.KindState:
		a.setState(e)
	case event.KindRequest:
		a.requests++
		a.count(e.Time, e.Request)
	case event.KindReload:
		if e.Reload != nil {
			a.reloads = append(a.reloads, reloadRec{e.Time, *e.Reload})
			if len(a.reloads) > reloadsKept {
				a.reloads = a.reloads[1:]
			}
			if e.Reload.Err == "" {
				a.lastErr = ""
			}
			a.oldCode = e.Reload.Err
		}
	case event.KindWorkers:
		a.workers = e.Workers
	}
	return true
}

// repeat reports an error line that says what the last one said (each worker
// that fails to import the app reports the same traceback) and its traceback.
func (a *appState) repeat(e event.Event) bool {
	if e.Kind == event.KindWorkers {
		return false
	}
	zooErr := e.Kind == event.KindLog && e.Source == event.SourceZoo && e.Level == event.LevelError
	a.noteFailure(e, zooErr)
	if a.tbs.skip(&e) {
		return true
	}
	switch {
	case zooErr && e.Text == a.lastErr:
		a.muting = true
	case a.muting && e.Kind == event.KindLog && e.Source == event.SourceStderr && e.Worker == 0:
	default:
		a.muting = false
		if zooErr {
			a.lastErr = e.Text
		}
		return false
	}
	return true
}

// noteFailure keeps zoo-dev's last error line and the traceback the host adds
// to it, for the summary on quit.
func (a *appState) noteFailure(e event.Event, zooErr bool) {
	switch {
	case zooErr:
		a.failure = []string{e.Text}
	case e.Kind == event.KindLog && e.Source == event.SourceStderr && e.Worker == 0 && e.Level == event.LevelError:
		a.failure = append(a.failure, strings.Split(e.Text, "\n")...)
	}
}

// countError counts error events once: the lines that follow an error (its
// traceback, the 500 of the request that raised it) are part of it.
func (a *appState) countError(e event.Event) {
	var bad, cont bool
	switch e.Kind {
	case event.KindWorkers, event.KindState:
		return
	case event.KindRequest:
		bad = e.Request != nil && e.Request.Status >= 500
	case event.KindReload:
		bad = e.Reload != nil && e.Reload.Err != ""
	case event.KindLog:
		bad = e.Level == event.LevelError || strings.HasPrefix(e.Text, tracebackHead) ||
			strings.Contains(e.Text, "\n"+tracebackHead) || strings.Contains(e.Text, "exception in the application")
		cont = e.Source == event.SourceStderr
	}
	if bad && !a.inError {
		a.errors++
	}
	// a request ends the error it raised
	a.inError = (bad || cont && a.inError) && e.Kind != event.KindRequest
}

func (a *appState) setState(e event.Event) {
	switch e.State {
	case event.StateRunning:
		if a.upSince.IsZero() {
			a.upSince = e.Time
		}
		a.lastErr = ""
	case event.StateReloading:
	case event.StateFailed:
		a.upSince, a.oldCode = time.Time{}, ""
		if len(a.failure) == 0 {
			a.failure = strings.Split(e.Text, "\n")
		}
	default:
		a.upSince, a.oldCode = time.Time{}, ""
	}
	a.state, a.reason = e.State, e.Text
}

func (a *appState) count(t time.Time, r *event.RequestInfo) {
	sec := t.Unix()
	if a.firstReq == 0 || sec < a.firstReq {
		a.firstReq = sec
	}
	b := &a.secs[uint64(sec)%historySecs]
	if b.sec != sec {
		b.sec, b.n, b.durs = sec, 0, b.durs[:0]
	}
	b.n++
	if r != nil && len(b.durs) < samplesPerS {
		b.durs = append(b.durs, r.Duration)
	}
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
	for _, b := range a.secs {
		if b.sec > hi-secs && b.sec <= hi {
			n += b.n
		}
	}
	return float64(n) / float64(secs)
}

// series returns the last n seconds before now, oldest first: requests and the
// p50 duration of each second (0 for a second without requests).
func (a *appState) series(now time.Time, n int) (counts []float64, p50 []float64) {
	hi := now.Unix()
	for s := hi - int64(n) + 1; s <= hi; s++ {
		b := &a.secs[uint64(s)%historySecs]
		if b.sec != s {
			counts, p50 = append(counts, 0), append(p50, 0)
			continue
		}
		counts = append(counts, float64(b.n))
		p50 = append(p50, float64(median(b.durs)))
	}
	return counts, p50
}

// p50 is the median duration of the requests in the last rateWindow.
func (a *appState) p50(now time.Time) time.Duration {
	hi := now.Unix()
	var all []time.Duration
	for _, b := range a.secs {
		if b.sec > hi-int64(rateWindow/time.Second) && b.sec <= hi {
			all = append(all, b.durs...)
		}
	}
	return median(all)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// uptime is how long the app has been serving, or 0.
func (a *appState) uptime(now time.Time) time.Duration {
	if a.upSince.IsZero() || now.Before(a.upSince) {
		return 0
	}
	return now.Sub(a.upSince)
}

// lastReload is the newest reload, or nil.
func (a *appState) lastReload() *reloadRec {
	if len(a.reloads) == 0 {
		return nil
	}
	return &a.reloads[len(a.reloads)-1]
}

// firstLine is s up to its first line break, with a count of the lines left out.
func firstLine(s string) (string, int) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, 0
	}
	return s[:i], strings.Count(strings.TrimRight(s[i:], "\n"), "\n")
}
