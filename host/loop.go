package host

import (
	"context"
	"slices"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// run is the supervisor loop: it turns commands, launch results, worker exits,
// timers and load ticks into inputs of the core and performs the effects the core
// returns, until ctx is done; then it stops everything it started.
func (a *app) run(ctx context.Context) {
	stats := time.NewTicker(time.Second)
	defer stats.Stop()
	a.do(ctx, startIn{})
	for {
		select {
		case <-ctx.Done():
			a.do(ctx, stopIn{})
			return
		case in := <-a.cmds:
			a.do(ctx, in)
		case r := <-a.reconf:
			a.do(ctx, a.reconfigure(r))
		case r := <-a.results:
			a.do(ctx, a.launchDone(ctx, r))
		case e := <-a.exits:
			a.do(ctx, e)
		case r := <-a.addeds:
			a.do(ctx, a.workerAdded(ctx, r))
		case <-a.timer:
			a.timer = nil
			a.do(ctx, timerIn{})
		case <-stats.C:
			a.do(ctx, a.load())
		}
	}
}

// reconfigure makes the edited configuration the app's: launches, spares and the
// watcher from now on use it; the core decides what to start.
func (a *app) reconfigure(r reconfIn) configIn {
	s := newAppSpec(r.cfg, r.engine, a.spec.runDir, a.spec.script)
	s.transport = a.spec.transport
	if !sameWatch(a.spec.cfg, r.cfg) {
		newest(a.rewatch, r.cfg)
	}
	a.spec = s
	return configIn{cfg: coreConfigOf(s, a.fixed), trigger: r.trigger}
}

func (a *app) do(ctx context.Context, in input) {
	for _, e := range a.core.step(time.Now(), in) {
		a.perform(ctx, e)
	}
}

// perform carries out one effect of the core.
func (a *app) perform(ctx context.Context, e effect) {
	switch e := e.(type) {
	case startLaunch:
		a.startLaunch(ctx, e)
	case cancelLaunch:
		if cancel := a.launches[e.id]; cancel != nil {
			cancel()
		}
	case serve:
		a.front.Serve(a.name, e.gen, a.endpoints(e.wids))
	case retire:
		a.retire(e.gen, a.take(func(w *worker) bool { return w.gen == e.gen }))
	case stopGen:
		a.stopAll(a.take(func(w *worker) bool { return w.gen == e.id }))
	case stopAll:
		a.stopAll(a.take(func(*worker) bool { return true }))
	case stopWorkers:
		a.stopAll(a.take(func(w *worker) bool { return slices.Contains(e.wids, w.id) }))
	case reap:
		for _, w := range a.take(func(w *worker) bool { return w.id == e.wid }) {
			w.stop(0) // it has exited: this ends its group's leftovers and removes the socket
		}
	case addWorker:
		a.addWorker(ctx, e)
	case armTimer:
		a.timer = time.After(e.d)
	case setState:
		a.setState(e)
	case crashPage:
		a.crashPage(e)
	case logLine:
		a.logf(e.level, "%s", e.text)
	case logErr:
		a.logError(e.what, e.err)
	case reloaded:
		lvl := event.LevelInfo
		if e.info.Err != "" {
			lvl = event.LevelWarn // the old code still serves
		}
		a.bus.Publish(event.Event{App: a.name, Kind: event.KindReload, Level: lvl, Reload: &e.info})
	case publishWorkers:
		a.publishWorkers(e)
	case fillSpares:
		a.spares.fill(a, e.n)
	case dropSpares:
		a.spares.drop(a)
	case waitJobs:
		a.jobs.Wait()
	}
}

// startLaunch runs the deploy script when asked, then starts the generation's
// workers, in the background; the result arrives on a.results.
func (a *app) startLaunch(ctx context.Context, e startLaunch) {
	lctx, cancel := context.WithCancel(ctx)
	a.launches[e.id] = cancel
	out := a.status.Deploy
	spares := a.spares.take(len(e.wids))
	spec := a.spec // the loop may take a new one while this runs
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		defer cancel()
		r := launchResult{id: e.id}
		if e.deploy {
			d := &deployer{app: spec, emit: a.emit}
			r.deployErr = d.run(lctx, out)
		}
		if r.deployErr == nil {
			r.gen, r.err = a.startGeneration(lctx, spec, e.id, e.wids, spares)
		}
		select {
		case a.results <- r:
		case <-ctx.Done():
			if r.gen != nil {
				r.gen.stop()
			}
		}
	}()
}

// launchDone registers a launch's workers and turns its result into the core's input.
func (a *app) launchDone(ctx context.Context, r launchResult) launchedIn {
	if cancel := a.launches[r.id]; cancel != nil {
		cancel()
		delete(a.launches, r.id)
	}
	in := launchedIn{id: r.id, deployErr: r.deployErr, err: r.err}
	if r.gen != nil {
		in.spares = r.gen.fromSpares()
		a.spares.remember(a.spec, r.id, r.gen.workers[0].modules)
		for _, w := range r.gen.workers {
			a.register(ctx, w)
		}
	}
	return in
}

// addWorker starts one worker for the serving generation in the background, from
// a ready spare when there is one; the result arrives on a.addeds.
func (a *app) addWorker(ctx context.Context, e addWorker) {
	var sp *spare
	if l := a.spares.take(1); len(l) > 0 {
		sp = l[0]
	}
	spec := a.spec
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		w, err := a.claimOrStart(ctx, spec, sp, e.gen, e.wid)
		select {
		case a.addeds <- added{gen: e.gen, wid: e.wid, w: w, err: err}:
		case <-ctx.Done():
			if w != nil {
				w.stop(stopGrace)
			}
		}
	}()
}

func (a *app) workerAdded(ctx context.Context, r added) addedIn {
	in := addedIn{gen: r.gen, wid: r.wid, err: r.err}
	if r.w != nil {
		a.register(ctx, r.w)
		in.pid = r.w.pid()
	}
	return in
}

// register keeps a ready worker and reports its exit to the loop.
func (a *app) register(ctx context.Context, w *worker) {
	a.workers[w.id] = w
	ready := time.Now()
	go func() {
		select {
		case <-w.proc.done:
		case <-ctx.Done():
			return
		}
		e := exitIn{gen: w.gen, wid: w.id, pid: w.pid(), how: exitText(w.proc.cmd.ProcessState), last: w.tail.last(),
			up: time.Since(ready), served: a.front.Load(a.name)[w.pid()].Served > 0}
		select {
		case a.exits <- e:
		case <-ctx.Done():
		}
	}()
}

// take removes the workers that match from the loop's registry and returns them.
func (a *app) take(match func(*worker) bool) []*worker {
	var out []*worker
	for id, w := range a.workers {
		if match(w) {
			out = append(out, w)
			delete(a.workers, id)
		}
	}
	return out
}

// retire lets generation gen finish its in-flight requests, then stops its workers.
func (a *app) retire(gen int, ws []*worker) {
	grace := a.spec.cfg.RequestTimeout + time.Second
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := a.front.Retire(ctx, a.name, gen); err != nil {
			a.logf(event.LevelWarn, "generation %d: %v; stopping it anyway", gen, err)
		}
		(&generation{workers: ws}).stop()
	}()
}

// stopAll stops workers in the background of the app's jobs.
func (a *app) stopAll(ws []*worker) {
	if len(ws) == 0 {
		return
	}
	a.jobs.Add(1)
	go func() { defer a.jobs.Done(); (&generation{workers: ws}).stop() }()
}

func (a *app) endpoints(wids []int) []Endpoint {
	eps := make([]Endpoint, 0, len(wids))
	for _, id := range wids {
		if w := a.workers[id]; w != nil {
			eps = append(eps, Endpoint{PID: w.pid(), Protocol: w.proto(), Network: w.network, Address: w.address, Token: w.token,
				MaxConns: a.spec.cfg.Threads, KeepConn: w.keepConn, Died: w.died})
		}
	}
	return eps
}

// load sums the serving workers' counters for the core's load tick.
func (a *app) load() tickIn {
	var in tickIn
	load := a.front.Load(a.name)
	for _, w := range a.workers {
		if w.gen == a.core.serving {
			in.inflight += load[w.pid()].InFlight
			in.served += load[w.pid()].Served
		}
	}
	return in
}
