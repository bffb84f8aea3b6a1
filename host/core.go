package host

import (
	"fmt"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// The supervisor of one app is split in two. The core (this file, core_workers.go,
// and core_io.go for its inputs and effects) holds every decision: when to deploy,
// launch, queue, serve, retire, replace, back off and scale. It is pure: step takes
// the state and one input (a command, a launch result, a worker exit, a timer, a
// load tick) and returns effects; it never starts a process, reads a clock or
// touches a channel. The loop (loop.go) feeds it inputs and performs its effects,
// so every policy is tested in table tests with no process at all.

const (
	backoffMin  = 100 * time.Millisecond
	backoffMax  = 10 * time.Second
	crashWindow = 60 * time.Second // early crashes older than this are forgotten
	crashLoop   = 5                // this many early crashes in the window is a crash loop
	// earlyExit is how long after it was ready a worker that has served nothing
	// still counts as dying at start: such exits back off, later ones are
	// replaced at once.
	earlyExit = 5 * time.Second
	busyTicks = 2  // saturated load ticks before a worker is added
	idleTicks = 60 // load ticks without a request before a worker is removed
)

// coreConfig is what the policy needs to know of the app's configuration.
type coreConfig struct {
	deployFile string // DEPLOY_FILE relative to the app root; "" when none
	workers    int    // the worker count to start with
	maxWorkers int
	minWorkers int
	threads    int  // requests one worker serves at once
	autoscale  bool // scale by load between min and max (off with a fixed --workers)
}

// core is the policy state of one app's supervisor.
type core struct {
	cfg        coreConfig
	want       int // desired worker count
	genSeq     int // the last generation id handed out
	widSeq     int // the last worker id handed out
	serving    int // the generation serving, 0 when none
	slots      []slot
	current    *launchRun // the launch in progress, nil when none
	queued     *launchReq // a launch asked for while a deploy runs
	needDeploy bool       // the last deploy did not succeed: every launch deploys first
	reloadErr  string     // why the newest launch failed while an older generation serves
	owed       []int      // replacements owed to the serving generation, by restarts of the slot
	starting   map[int]int
	timer      bool        // the replacement timer is armed
	crashes    []time.Time // recent early crashes, for backoff and the crash-loop verdict
	busy, idle int         // load ticks in a row saturated / without a request
	served     int64       // requests served at the last tick
	stopped    bool
	// warm: the app has needed a new worker since its start (a reload, a failed
	// start, a crash), so spares are kept from now on. Before that the app may only
	// be run, never edited, and each spare would cost a whole interpreter with the
	// app's libraries imported (about 24 MiB for Flask) for nothing.
	warm bool
}

// slot is one worker of the serving generation; a replacement takes over its slot.
type slot struct {
	wid      int
	restarts int // times this slot's worker was replaced after an exit
}

// launchReq is a start or reload asked for.
type launchReq struct {
	trigger string    // what caused it, for the reload event
	first   time.Time // when the first change was seen; zero for commands
	deploy  bool
}

// launchRun is the launch in progress.
type launchRun struct {
	launchReq
	id    int
	began time.Time
	wids  []int
}

func newCore(cfg coreConfig) *core {
	return &core{cfg: cfg, want: max(cfg.workers, 1), starting: map[int]int{}}
}

// step applies one input at time now and returns the effects to perform, in order.
func (c *core) step(now time.Time, in input) []effect {
	if c.stopped {
		return nil
	}
	var fx effects
	switch in := in.(type) {
	case startIn:
		c.launch(now, launchReq{trigger: "start", deploy: true}, &fx)
	case restartIn:
		c.warm = true
		c.launch(now, launchReq{trigger: "restart"}, &fx)
	case redeployIn:
		c.warm = true
		c.launch(now, launchReq{trigger: "redeploy", deploy: true}, &fx)
	case changeIn:
		c.warm = true
		trigger := in.files[0]
		if len(in.files) > 1 {
			trigger = fmt.Sprintf("%s and %d more", in.files[0], len(in.files)-1)
		}
		c.launch(now, launchReq{trigger: trigger, first: in.first, deploy: in.deploy}, &fx)
	case configIn:
		c.warm = true
		c.reconfigure(now, in, &fx)
	case launchedIn:
		c.launched(now, in, &fx)
	case exitIn:
		c.exited(now, in, &fx)
	case addedIn:
		c.added(now, in, &fx)
	case timerIn:
		c.timer = false
		c.startOwed(len(c.owed), &fx)
	case scaleIn:
		c.scale(in.delta, &fx)
	case tickIn:
		c.tick(in, &fx)
	case stopIn:
		c.stop(&fx)
	}
	return fx
}

// launch begins an application start or reload. A newer save cancels a launch
// that is starting workers; a launch that is deploying is never cut short (a
// half-run deploy leaves a broken install), so the new one waits for it. After a
// failed deploy every launch deploys again.
func (c *core) launch(now time.Time, l launchReq, fx *effects) {
	if cur := c.current; cur != nil {
		if cur.deploy {
			if q := c.queued; q != nil {
				l.deploy = l.deploy || q.deploy
				if !q.first.IsZero() && (l.first.IsZero() || q.first.Before(l.first)) {
					l.first = q.first
				}
			}
			c.queued = &l
			return
		}
		fx.add(cancelLaunch{cur.id})
	}
	deploy := c.cfg.deployFile != "" && (l.deploy || c.needDeploy)
	if deploy {
		c.needDeploy = true
	}
	c.genSeq++
	l.deploy = deploy
	run := &launchRun{launchReq: l, id: c.genSeq, began: now}
	if run.first.IsZero() {
		run.first = now
	}
	for range c.want {
		run.wids = append(run.wids, c.newWid())
	}
	c.current = run
	switch {
	case deploy:
		c.setState(event.StateDeploying, "running "+c.cfg.deployFile, false, fx)
	case c.serving != 0:
		c.setState(event.StateReloading, l.trigger, false, fx)
	default:
		c.setState(event.StateStarting, fmt.Sprintf("starting %d worker(s)", c.want), false, fx)
	}
	if deploy {
		fx.add(dropSpares{}) // the deploy may install other versions of the libraries they hold
	}
	fx.add(startLaunch{id: run.id, wids: run.wids, deploy: deploy})
}

// reconfigure takes the app's edited configuration: the worker count starts over
// from the new one and a new generation starts with the new settings through the
// usual reload, so the old one serves until it is ready. The spares, started with
// the old environment, are dropped; a deploy script that is new, or named anew,
// runs first.
func (c *core) reconfigure(now time.Time, in configIn, fx *effects) {
	deploy := in.cfg.deployFile != "" && in.cfg.deployFile != c.cfg.deployFile
	c.cfg = in.cfg
	c.want = max(in.cfg.workers, 1)
	c.busy, c.idle = 0, 0
	if !deploy {
		fx.add(dropSpares{}) // a deploy drops them itself
	}
	c.launch(now, launchReq{trigger: in.trigger, deploy: deploy}, fx)
}

func (c *core) newWid() int { c.widSeq++; return c.widSeq }

// launched takes the result of a launch: the new generation serves and the old one
// retires, or the failure is reported and the old generation keeps serving.
func (c *core) launched(now time.Time, r launchedIn, fx *effects) {
	cur := c.current
	if cur == nil || r.id != cur.id {
		if r.deployErr == nil && r.err == nil {
			fx.add(stopGen{r.id}) // superseded by a newer launch
		}
		return
	}
	c.current = nil
	if cur.deploy && r.deployErr == nil {
		c.needDeploy = false
	}
	switch {
	case r.deployErr != nil:
		fx.add(logLine{event.LevelError, "deploy failed: " + r.deployErr.Error()})
		c.failOrKeep(cur, r.deployErr, true, fx)
	case r.err != nil:
		fx.add(logErr{"start generation", r.err})
		c.failOrKeep(cur, r.err, false, fx)
	default:
		old := c.serving
		c.serving, c.owed, c.slots, c.reloadErr = cur.id, nil, nil, ""
		for _, w := range cur.wids {
			c.slots = append(c.slots, slot{wid: w})
		}
		fx.add(crashPage{})
		fx.add(serve{gen: cur.id, wids: c.wids()})
		c.setState(event.StateRunning, fmt.Sprintf("generation %d, %d worker(s)", cur.id, len(cur.wids)), false, fx)
		c.fillSpares(fx)
		if old != 0 {
			fx.add(reloaded{event.ReloadInfo{Trigger: cur.trigger, Debounce: cur.began.Sub(cur.first),
				Ready: now.Sub(cur.began), Total: now.Sub(cur.first), Gen: cur.id, Spares: r.spares}})
			fx.add(retire{old})
		}
		fx.add(c.workers())
	}
	if q := c.queued; q != nil {
		c.queued = nil
		c.launch(now, *q, fx)
	}
}

// failOrKeep reports a failed launch: the old generation keeps serving when there
// is one; otherwise the app is FAILED.
func (c *core) failOrKeep(cur *launchRun, err error, deploy bool, fx *effects) {
	c.warm = true
	c.fillSpares(fx) // warm again for the fix
	if c.serving != 0 {
		fx.add(reloaded{event.ReloadInfo{Trigger: cur.trigger, Gen: c.serving, Err: summary(err)}})
		c.reloadErr = err.Error()
		c.setState(event.StateRunning, fmt.Sprintf("still serving generation %d", c.serving), false, fx)
		return
	}
	why := err.Error()
	c.setState(event.StateFailed, why, deploy, fx)
}

// fillSpares keeps as many spares as workers, once the app is warm.
func (c *core) fillSpares(fx *effects) {
	if c.warm {
		fx.add(fillSpares{c.want})
	}
}

func (c *core) setState(s event.State, why string, deployFailed bool, fx *effects) {
	fx.add(setState{state: s, why: why, gen: c.serving, deployFailed: deployFailed, reloadErr: c.reloadErr})
}

// stop ends everything: the launch in progress, every worker, the spares.
func (c *core) stop(fx *effects) {
	if c.current != nil {
		fx.add(cancelLaunch{c.current.id})
	}
	fx.add(stopAll{})
	fx.add(dropSpares{})
	fx.add(waitJobs{})
	c.stopped, c.current, c.queued = true, nil, nil
	c.setState(event.StateStopped, "", false, fx)
}

func (c *core) wids() []int {
	out := make([]int, len(c.slots))
	for i, s := range c.slots {
		out[i] = s.wid
	}
	return out
}

// workers is the snapshot of the serving workers for the dashboard.
func (c *core) workers() publishWorkers {
	p := publishWorkers{gen: c.serving, restarts: map[int]int{}}
	for _, s := range c.slots {
		p.wids = append(p.wids, s.wid)
		p.restarts[s.wid] = s.restarts
	}
	return p
}
