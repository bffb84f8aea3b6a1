package host

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// loopChans are the channels the supervisor loop selects on, besides commands.
type loopChans struct {
	launched chan launchResult
	exited   chan workerExit
	added    chan added
	replace  <-chan time.Time // the backoff timer for a crashed worker, nil when none
	pending  int              // replacements owed to the serving generation
	starting int              // replacements being started now
}

// run is the supervisor loop: it starts the app and then serves commands, launch
// results and worker exits until ctx is done; then it stops everything it started.
func (a *app) run(ctx context.Context) {
	lc := &loopChans{launched: make(chan launchResult), exited: make(chan workerExit),
		added: make(chan added)}
	stats := time.NewTicker(time.Second)
	defer stats.Stop()
	a.startLaunch(ctx, lc, launch{trigger: "start", deploy: a.spec.cfg.DeployFile != ""})
	for {
		select {
		case <-ctx.Done():
			a.shutdown(lc)
			return
		case c := <-a.cmds:
			a.handle(ctx, lc, c)
		case r := <-lc.launched:
			a.finishLaunch(ctx, lc, r)
		case e := <-lc.exited:
			a.workerExited(ctx, lc, e)
		case r := <-lc.added:
			a.workerAdded(ctx, lc, r)
		case <-lc.replace:
			lc.replace = nil
			a.addWorker(ctx, lc)
		case <-stats.C:
			a.autoscale(ctx, lc)
			a.publishWorkers()
		}
	}
}

func (a *app) handle(ctx context.Context, lc *loopChans, c command) {
	switch c.kind {
	case cmdRestart: // the dashboard notes the request itself
		a.startLaunch(ctx, lc, launch{trigger: "restart"})
	case cmdRedeploy:
		a.startLaunch(ctx, lc, launch{trigger: "redeploy", deploy: a.spec.cfg.DeployFile != ""})
	case cmdChange:
		trigger, deploy := c.files[0], false
		if len(c.files) > 1 {
			trigger = fmt.Sprintf("%s and %d more", c.files[0], len(c.files)-1)
		}
		for _, f := range c.files {
			if d := a.spec.cfg.DeployFile; d != "" && filepath.Join(a.spec.cfg.Root, filepath.FromSlash(f)) == d {
				deploy = true
			}
		}
		a.startLaunch(ctx, lc, launch{trigger: trigger, first: c.first, deploy: deploy})
	case cmdScale:
		a.scale(ctx, lc, c.delta)
	}
}

// startLaunch begins an application start or reload in the background. A newer
// save cancels a launch that is starting workers; a launch that is deploying is
// never cut short (a half-run deploy leaves a broken install), so the new one waits
// for it. After a failed deploy every launch deploys again.
func (a *app) startLaunch(ctx context.Context, lc *loopChans, l launch) {
	if cur := a.current; cur != nil {
		if cur.deploy {
			if a.queued != nil {
				l.deploy = l.deploy || a.queued.deploy
				l.first = a.queued.first
			}
			a.queued = &l
			return
		}
		cur.cancel()
	}
	l.deploy = a.spec.cfg.DeployFile != "" && (l.deploy || a.needDeploy)
	if l.deploy {
		a.needDeploy = true
	}
	lctx, cancel := context.WithCancel(ctx)
	l.began = time.Now()
	if l.first.IsZero() {
		l.first = l.began
	}
	a.genSeq++
	id, n := a.genSeq, a.want
	a.current = &running{id: id, deploy: l.deploy, cancel: cancel}
	switch {
	case l.deploy:
		a.deploy = newOutput(a.spec.cfg.DeployLog)
		a.setState(event.StateDeploying, "running "+a.spec.rel(a.spec.cfg.DeployFile))
	case a.serving != nil:
		a.setState(event.StateReloading, l.trigger)
	default:
		a.setState(event.StateStarting, fmt.Sprintf("starting %d worker(s)", n))
	}
	out := a.deploy
	if l.deploy {
		a.spares.drop(a) // the deploy may install other versions of the libraries they hold
	}
	spares := a.spares.take(n)
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		defer cancel()
		r := launchResult{launch: l, id: id}
		if l.deploy {
			d := &deployer{app: a.spec, emit: a.emit}
			if r.deployErr = d.run(lctx, out); r.deployErr != nil {
				a.deliver(ctx, lc.launched, r)
				return
			}
		}
		r.gen, r.err = a.startGeneration(lctx, id, n, spares)
		r.ready = time.Now()
		if !a.deliver(ctx, lc.launched, r) && r.gen != nil {
			r.gen.stop()
		}
	}()
}

// deliver hands a launch result to the loop unless the app is stopping.
func (a *app) deliver(ctx context.Context, ch chan launchResult, r launchResult) bool {
	select {
	case ch <- r:
		return true
	case <-ctx.Done():
		return false
	}
}

func (a *app) finishLaunch(ctx context.Context, lc *loopChans, r launchResult) {
	if a.current == nil || r.id != a.current.id {
		if r.gen != nil { // superseded by a newer launch
			a.jobs.Add(1)
			go func() { defer a.jobs.Done(); r.gen.stop() }()
		}
		return
	}
	a.current = nil
	defer a.startQueued(ctx, lc)
	if r.deploy && r.deployErr == nil {
		a.needDeploy = false
	}
	switch {
	case r.deployErr != nil:
		a.logf(event.LevelError, "deploy failed: %v", r.deployErr)
		a.failOrKeep(r, r.deployErr.Error())
		return
	case r.err != nil:
		a.logError("start generation", r.err)
		a.failOrKeep(r, r.err.Error())
		return
	}
	old := a.serving
	a.serving = r.gen
	a.lastCrash, a.reloadErr = nil, ""
	lc.pending = 0 // replacements owed to the old generation: the new one is whole
	a.front.Serve(a.name, r.gen.id, r.gen.endpoints(a.spec.cfg.Threads))
	switched := time.Now()
	for _, w := range r.gen.workers {
		a.watchExit(ctx, lc, r.gen, w)
	}
	a.setState(event.StateRunning, fmt.Sprintf("generation %d, %d worker(s)", r.gen.id, len(r.gen.workers)))
	a.spares.remember(a.spec, r.gen.id, r.gen.workers[0].modules)
	a.spares.fill(a, a.want)
	if old != nil {
		a.bus.Publish(event.Event{App: a.name, Kind: event.KindReload, Reload: &event.ReloadInfo{
			Trigger: r.trigger, Debounce: r.began.Sub(r.first), Ready: r.ready.Sub(r.began),
			Total: switched.Sub(r.first), Gen: r.gen.id, Spares: r.gen.fromSpares()}})
		a.retire(old)
	}
	a.publishWorkers()
}

// startQueued starts the launch asked for while a deploy ran.
func (a *app) startQueued(ctx context.Context, lc *loopChans) {
	if q := a.queued; q != nil && a.current == nil {
		a.queued = nil
		a.startLaunch(ctx, lc, *q)
	}
}

// failOrKeep reports a failed launch: the old generation keeps serving when there is
// one; otherwise the app is FAILED.
func (a *app) failOrKeep(r launchResult, why string) {
	a.spares.fill(a, a.want) // warm again for the fix
	if a.serving != nil {
		a.bus.Publish(event.Event{App: a.name, Kind: event.KindReload, Reload: &event.ReloadInfo{
			Trigger: r.trigger, Gen: a.serving.id, Err: summary(r.cause())}})
		a.reloadErr = why
		a.setState(event.StateRunning, fmt.Sprintf("still serving generation %d", a.serving.id))
		return
	}
	a.failedIn = "start"
	if r.deployErr != nil {
		a.failedIn = "deploy"
	}
	a.setState(event.StateFailed, why)
}

// retire lets old finish its in-flight requests, then stops its workers.
func (a *app) retire(old *generation) {
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		ctx, cancel := context.WithTimeout(context.Background(), a.spec.cfg.RequestTimeout+time.Second)
		defer cancel()
		if err := a.front.Retire(ctx, a.name, old.id); err != nil {
			a.logf(event.LevelWarn, "generation %d: %v; stopping it anyway", old.id, err)
		}
		old.stop()
	}()
}

// watchExit reports w's exit to the loop.
func (a *app) watchExit(ctx context.Context, lc *loopChans, g *generation, w *worker) {
	go func() {
		select {
		case <-w.proc.done:
			select {
			case lc.exited <- workerExit{g, w}:
			case <-ctx.Done():
			}
		case <-ctx.Done():
		}
	}()
}

// cause is the error that ended a failed launch.
func (r launchResult) cause() error {
	if r.deployErr != nil {
		return r.deployErr
	}
	return r.err
}
