package host

import (
	"slices"
	"strings"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// setState publishes the app's state and tells the frontend. Entering DEPLOYING
// starts a new deploy output, which the pages show while it grows.
func (a *app) setState(e setState) {
	if e.state == event.StateDeploying {
		a.status.Deploy = newOutput(a.spec.cfg.DeployLog)
	}
	lvl := event.LevelInfo
	if e.state == event.StateFailed {
		lvl = event.LevelError
	}
	a.bus.Publish(event.Event{App: a.name, Kind: event.KindState, State: e.state, Level: lvl, Text: e.why})
	a.status.State, a.status.Gen, a.status.Err, a.status.DeployFailed = e.state, e.gen, "", false
	a.status.ReloadErr = e.reloadErr
	if e.state == event.StateFailed {
		a.status.Err, a.status.DeployFailed = e.why, e.deployFailed
	}
	a.front.SetStatus(a.name, a.status)
}

// crashPage sets the crash the app's pages show: a line saying which worker exited
// and how, then its last stderr lines.
func (a *app) crashPage(e crashPage) {
	w := a.workers[e.wid]
	if w == nil {
		a.status.Crash = nil
		return
	}
	a.status.Crash = append([]string{e.header}, w.tail.Lines()...)
	a.front.SetStatus(a.name, a.status)
}

// publishWorkers sends a snapshot of the serving workers.
func (a *app) publishWorkers(e publishWorkers) {
	var rows []event.WorkerInfo
	load := a.front.Load(a.name)
	for _, id := range e.wids {
		if w := a.workers[id]; w != nil {
			l := load[w.pid()]
			rows = append(rows, event.WorkerInfo{PID: w.pid(), Gen: e.gen, State: "ready",
				InFlight: l.InFlight, Served: l.Served, RSS: rss(w.pid()), Restarts: e.restarts[id]})
		}
	}
	slices.SortFunc(rows, func(x, y event.WorkerInfo) int { return x.PID - y.PID })
	a.bus.Publish(event.Event{App: a.name, Kind: event.KindWorkers, Workers: rows})
}

// logError reports err as one line, followed by the traceback as one event for an
// import error.
func (a *app) logError(what string, err error) {
	a.logf(event.LevelError, "%s: %s", what, summary(err))
	if ie, ok := err.(*ImportError); ok {
		a.emit(event.SourceStderr, event.LevelError, 0, strings.TrimRight(ie.Traceback, "\n"))
	}
}

// summary is one line for an error: the exception line of an import traceback.
func summary(err error) string {
	if ie, ok := err.(*ImportError); ok {
		lines := strings.Split(strings.TrimSpace(ie.Traceback), "\n")
		return "import failed: " + lines[len(lines)-1]
	}
	return err.Error()
}
