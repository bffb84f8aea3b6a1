package host

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

const (
	backoffMin  = 100 * time.Millisecond
	backoffMax  = 10 * time.Second
	crashWindow = 60 * time.Second // crashes older than this are forgotten
	crashLoop   = 5                // this many crashes in the window is a crash loop
)

// workerExited handles the exit of a worker: expected for a retired generation, a
// crash for the serving one, which gets a replacement after a backoff.
func (a *app) workerExited(ctx context.Context, lc *loopChans, e workerExit) {
	if e.gen != a.serving || !e.gen.has(e.w) {
		return // retired or scaled down
	}
	e.gen.remove(e.w)
	e.w.stop(0) // the group's leftovers and the socket
	a.front.Serve(a.name, e.gen.id, e.gen.endpoints(a.spec.cfg.Threads))
	delay := a.noteCrash()
	how := exitText(e.w.proc.cmd.ProcessState)
	a.logf(event.LevelError, "worker %d %s: %s; restarting in %s", e.w.pid(), how, e.w.tail.last(), delay)
	a.lastCrash = append([]string{fmt.Sprintf("worker %d %s; its last lines on stderr:", e.w.pid(), how)},
		e.w.tail.Lines()...)
	a.pushStatus("")
	lc.pending++
	if lc.replace == nil {
		lc.replace = time.After(delay)
	}
	a.publishWorkers()
}

// noteCrash records a crash, reports a crash loop, and returns how long to wait
// before the replacement.
func (a *app) noteCrash() time.Duration {
	now := time.Now()
	recent := a.crashes[:0]
	for _, t := range a.crashes {
		if now.Sub(t) < crashWindow {
			recent = append(recent, t)
		}
	}
	a.crashes = append(recent, now)
	if len(a.crashes) >= crashLoop {
		a.logf(event.LevelError, "crash loop: %d worker crashes in the last %s; fix the app and save, or press r",
			len(a.crashes), crashWindow)
	}
	return backoff(len(a.crashes))
}

// backoff doubles from backoffMin with each recent crash, up to backoffMax.
func backoff(crashes int) time.Duration {
	d := backoffMin
	for i := 1; i < crashes && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// addWorker starts one more worker in the serving generation, in the background.
func (a *app) addWorker(ctx context.Context, lc *loopChans) {
	g := a.serving
	if g == nil || lc.pending == 0 {
		return
	}
	lc.pending--
	lc.starting++
	seq := a.nextWorker()
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		w, err := startWorker(ctx, a.spec, g.id, seq, a.emit)
		select {
		case lc.added <- added{g, w, err}:
		case <-ctx.Done():
			if w != nil {
				w.stop(stopGrace)
			}
		}
	}()
}

func (a *app) workerAdded(ctx context.Context, lc *loopChans, r added) {
	lc.starting--
	if r.gen != a.serving { // a reload happened meanwhile
		if r.w != nil {
			a.jobs.Add(1)
			go func() { defer a.jobs.Done(); r.w.stop(stopGrace) }()
		}
		return
	}
	if r.err != nil {
		a.logError("start worker", r.err)
		delay := a.noteCrash() // a replacement that cannot start is a crash too: back off
		lc.pending++
		if lc.replace == nil {
			lc.replace = time.After(delay)
		}
		return
	}
	r.gen.workers = append(r.gen.workers, r.w)
	a.front.Serve(a.name, r.gen.id, r.gen.endpoints(a.spec.cfg.Threads))
	a.watchExit(ctx, lc, r.gen, r.w)
	a.logf(event.LevelInfo, "worker %d ready (generation %d)", r.w.pid(), r.gen.id)
	if lc.pending > 0 && lc.replace == nil {
		lc.replace = time.After(0)
	}
	a.publishWorkers()
}

// publishWorkers sends a snapshot of the serving workers.
func (a *app) publishWorkers() {
	var rows []event.WorkerInfo
	if g := a.serving; g != nil {
		slices.SortFunc(g.workers, func(x, y *worker) int { return x.pid() - y.pid() })
		load := a.front.Load(a.name)
		for _, w := range g.workers {
			l := load[w.pid()]
			rows = append(rows, event.WorkerInfo{PID: w.pid(), Gen: g.id, State: "ready",
				InFlight: l.InFlight, Served: l.Served, RSS: rss(w.pid()), Restarts: len(a.crashes)})
		}
	}
	a.bus.Publish(event.Event{App: a.name, Kind: event.KindWorkers, Workers: rows})
}

// shutdown stops every process the app started and waits for background jobs.
func (a *app) shutdown(lc *loopChans) {
	if a.current != nil {
		a.current.cancel()
	}
	if a.serving != nil {
		a.serving.stop()
	}
	a.spares.drop(a)
	a.jobs.Wait()
	a.setState(event.StateStopped, "")
}

// logError reports err as one line, followed by the traceback's lines for an import error.
func (a *app) logError(what string, err error) {
	a.logf(event.LevelError, "%s: %s", what, summary(err))
	if ie, ok := err.(*ImportError); ok {
		for _, l := range strings.Split(strings.TrimRight(ie.Traceback, "\n"), "\n") {
			a.emit(event.SourceStderr, event.LevelError, 0, l)
		}
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

// rss reads a process's resident memory from /proc; 0 where there is none.
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
