package host

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A policy test drives a core through inputs and compares the effects of each step
// with the expected ones. No process starts; a test runs in microseconds.

// at is one input at a time offset from the test's start, and the effects it must
// return, one per line.
type at struct {
	t    time.Duration
	in   input
	want string
}

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func plain() coreConfig {
	return coreConfig{workers: 1, minWorkers: 1, maxWorkers: 3, threads: 2}
}

func withDeploy() coreConfig {
	c := plain()
	c.deployFile = "deploy.py"
	return c
}

// drive steps c through the script and fails at the first step whose effects differ.
func drive(t *testing.T, c *core, script []at) {
	t.Helper()
	for i, s := range script {
		var got []string
		for _, e := range c.step(t0.Add(s.t), s.in) {
			got = append(got, e.String())
		}
		want := strings.TrimSpace(s.want)
		var lines []string
		for _, l := range strings.Split(want, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if strings.Join(got, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("step %d (%T %+v):\ngot\n\t%s\nwant\n\t%s", i, s.in, s.in,
				strings.Join(got, "\n\t"), strings.Join(lines, "\n\t"))
		}
	}
}

// started is the script up to generation 1 serving with one worker, w1. The
// first start keeps no spares: they come with the first reload, failure or crash.
var started = []at{
	{0, startIn{}, `
		state STARTING: starting 1 worker(s)
		launch g1 w[1]`},
	{time.Second, launchedIn{id: 1}, `
		crash page cleared
		serve g1 w[1]
		state RUNNING: generation 1, 1 worker(s)
		workers g1 [w1:0]`},
}

func script(parts ...[]at) []at {
	var out []at
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var errImport = &ImportError{Traceback: "Traceback (most recent call last):\nSyntaxError: invalid syntax\n"}

func TestCoreStartAndReload(t *testing.T) {
	drive(t, newCore(plain()), script(started, []at{
		{2 * time.Second, changeIn{files: []string{"app.py"}, first: t0.Add(1900 * time.Millisecond)}, `
			state RELOADING: app.py
			launch g2 w[2]`},
		{2100 * time.Millisecond, launchedIn{id: 2, spares: 1}, `
			crash page cleared
			serve g2 w[2]
			state RUNNING: generation 2, 1 worker(s)
			spares 1
			reloaded: reload: app.py changed, serving new code after 200 ms
			retire g1
			workers g2 [w2:0]`},
		{3 * time.Second, changeIn{files: []string{"a.py", "b.py", "c.py"}}, `
			state RELOADING: a.py and 2 more
			launch g3 w[3]`},
		{4 * time.Second, launchedIn{id: 3, err: errImport}, `
			log error start generation: import failed: SyntaxError: invalid syntax
			spares 1
			reloaded: reload: a.py and 2 more changed, new code failed, still serving generation 2: import failed: SyntaxError: invalid syntax
			state RUNNING: still serving generation 2 (reload failed)`},
	}))
}

// A save during a reload that is starting workers cancels it; the late result of
// the cancelled launch is stopped, not served.
func TestCoreReloadDuringReload(t *testing.T) {
	drive(t, newCore(plain()), script(started, []at{
		{2 * time.Second, restartIn{}, `
			state RELOADING: restart
			launch g2 w[2]`},
		{2 * time.Second, changeIn{files: []string{"app.py"}}, `
			cancel g2
			state RELOADING: app.py
			launch g3 w[3]`},
		{3 * time.Second, launchedIn{id: 2}, `stop g2`},
		{3 * time.Second, launchedIn{id: 2, err: errors.New("context canceled")}, ``},
		{3 * time.Second, launchedIn{id: 3}, `
			crash page cleared
			serve g3 w[3]
			state RUNNING: generation 3, 1 worker(s)
			spares 1
			reloaded: reload: app.py changed, serving new code after 1000 ms
			retire g1
			workers g3 [w3:0]`},
	}))
}

// Restarts and saves during a deploy wait for it and become one launch; the deploy
// flag of any of them wins, and the debounce counts from the first.
func TestCoreLaunchesQueueBehindDeploy(t *testing.T) {
	drive(t, newCore(withDeploy()), []at{
		{0, startIn{}, `
			state DEPLOYING: running deploy.py
			drop spares
			launch g1 w[1] deploy`},
		{100 * time.Millisecond, restartIn{}, ``},
		{200 * time.Millisecond, changeIn{files: []string{"deploy.py"}, deploy: true, first: t0.Add(150 * time.Millisecond)}, ``},
		{300 * time.Millisecond, changeIn{files: []string{"app.py"}}, ``},
		{time.Second, launchedIn{id: 1}, `
			crash page cleared
			serve g1 w[1]
			state RUNNING: generation 1, 1 worker(s)
			spares 1
			workers g1 [w1:0]
			state DEPLOYING: running deploy.py
			drop spares
			launch g2 w[2] deploy`},
		{2 * time.Second, launchedIn{id: 2}, `
			crash page cleared
			serve g2 w[2]
			state RUNNING: generation 2, 1 worker(s)
			spares 1
			reloaded: reload: app.py changed, serving new code after 1850 ms
			retire g1
			workers g2 [w2:0]`},
	})
}

// After a failed deploy nothing starts until a deploy succeeds: a restart deploys
// again; a deploy that fails while a generation serves keeps it serving.
func TestCoreNeedDeploy(t *testing.T) {
	fail := errors.New("DEPLOY_FILE deploy.py exited with status 3")
	drive(t, newCore(withDeploy()), []at{
		{0, startIn{}, `
			state DEPLOYING: running deploy.py
			drop spares
			launch g1 w[1] deploy`},
		{time.Second, launchedIn{id: 1, deployErr: fail}, `
			log error: deploy failed: DEPLOY_FILE deploy.py exited with status 3
			spares 1
			state FAILED: DEPLOY_FILE deploy.py exited with status 3 (deploy)`},
		{2 * time.Second, restartIn{}, `
			state DEPLOYING: running deploy.py
			drop spares
			launch g2 w[2] deploy`},
		{3 * time.Second, launchedIn{id: 2}, `
			crash page cleared
			serve g2 w[2]
			state RUNNING: generation 2, 1 worker(s)
			spares 1
			workers g2 [w2:0]`},
		{4 * time.Second, restartIn{}, `
			state RELOADING: restart
			launch g3 w[3]`},
		{5 * time.Second, launchedIn{id: 3}, `
			crash page cleared
			serve g3 w[3]
			state RUNNING: generation 3, 1 worker(s)
			spares 1
			reloaded: reload: after restart, serving new code after 1000 ms
			retire g2
			workers g3 [w3:0]`},
		{6 * time.Second, redeployIn{}, `
			state DEPLOYING: running deploy.py
			drop spares
			launch g4 w[4] deploy`},
		{7 * time.Second, launchedIn{id: 4, deployErr: fail}, `
			log error: deploy failed: DEPLOY_FILE deploy.py exited with status 3
			spares 1
			reloaded: reload: after redeploy, new code failed, still serving generation 3: DEPLOY_FILE deploy.py exited with status 3
			state RUNNING: still serving generation 3 (reload failed)`},
		{8 * time.Second, restartIn{}, `
			state DEPLOYING: running deploy.py (reload failed)
			drop spares
			launch g5 w[5] deploy`},
		{9 * time.Second, launchedIn{id: 5}, `
			crash page cleared
			serve g5 w[5]
			state RUNNING: generation 5, 1 worker(s)
			spares 1
			reloaded: reload: after restart, serving new code after 1000 ms
			retire g3
			workers g5 [w5:0]`},
	})
}

// A worker that dies at start backs off, doubling; the fifth early death in a
// minute is a crash loop; the replacement inherits the slot's restarts.
func TestCoreEarlyCrashesBackOff(t *testing.T) {
	c := newCore(plain())
	drive(t, c, script(started, []at{
		{1500 * time.Millisecond, exitIn{gen: 1, wid: 1, pid: 101, how: "exited with status 1", last: "boom", up: 500 * time.Millisecond}, `
			crash page w1
			reap w1
			serve g1 w[]
			log error: worker 101 exited with status 1: boom; restarting in 100ms
			timer 100ms
			workers g1 []`},
		{1600 * time.Millisecond, timerIn{}, `start w2 in g1`},
		{1800 * time.Millisecond, addedIn{gen: 1, wid: 2, pid: 102}, `
			serve g1 w[2]
			log info: worker 102 ready (generation 1)
			spares 1
			workers g1 [w2:1]`},
		{2 * time.Second, exitIn{gen: 1, wid: 2, pid: 102, how: "exited with status 1", last: "boom", up: time.Second}, `
			crash page w2
			reap w2
			serve g1 w[]
			log error: worker 102 exited with status 1: boom; restarting in 200ms
			timer 200ms
			workers g1 []`},
		{2200 * time.Millisecond, timerIn{}, `start w3 in g1`},
		{3 * time.Second, addedIn{gen: 1, wid: 3, err: errImport}, `
			log error start worker: import failed: SyntaxError: invalid syntax
			timer 400ms`},
		{3400 * time.Millisecond, timerIn{}, `start w4 in g1`},
		{4 * time.Second, addedIn{gen: 1, wid: 4, pid: 104}, `
			serve g1 w[4]
			log info: worker 104 ready (generation 1)
			spares 1
			workers g1 [w4:2]`},
		{4 * time.Second, exitIn{gen: 1, wid: 4, pid: 104, how: "exited with status 1", last: "boom"}, `
			crash page w4
			reap w4
			serve g1 w[]
			log error: worker 104 exited with status 1: boom; restarting in 800ms
			timer 800ms
			workers g1 []`},
		{5 * time.Second, timerIn{}, `start w5 in g1`},
		{5 * time.Second, addedIn{gen: 1, wid: 5, pid: 105}, `
			serve g1 w[5]
			log info: worker 105 ready (generation 1)
			spares 1
			workers g1 [w5:3]`},
		{5 * time.Second, exitIn{gen: 1, wid: 5, pid: 105, how: "exited with status 1", last: "boom"}, `
			crash page w5
			reap w5
			serve g1 w[]
			log error: crash loop: 5 worker crashes in the last 1m0s; fix the app and save, or press r
			log error: worker 105 exited with status 1: boom; restarting in 1.6s
			timer 1.6s
			workers g1 []`},
	}))
	// A new generation starts with fresh slots.
	drive(t, c, []at{
		{6 * time.Second, restartIn{}, `
			state RELOADING: restart
			launch g2 w[6]`},
		{7 * time.Second, timerIn{}, `start w7 in g1`},
		{7 * time.Second, launchedIn{id: 2}, `
			crash page cleared
			serve g2 w[6]
			state RUNNING: generation 2, 1 worker(s)
			spares 1
			reloaded: reload: after restart, serving new code after 1000 ms
			retire g1
			workers g2 [w6:0]`},
		{7 * time.Second, addedIn{gen: 1, wid: 7, pid: 107}, `stop w[7]`},
		{7 * time.Second, timerIn{}, ``},
	})
}

// Early crashes older than a minute are forgotten: the backoff starts over.
func TestCoreCrashWindow(t *testing.T) {
	c := newCore(plain())
	drive(t, c, started)
	wid := 1
	for i, crash := range []struct {
		at   time.Duration
		want string
	}{{0, "100ms"}, {30 * time.Second, "200ms"}, {95 * time.Second, "100ms"}} {
		now, want := crash.at, crash.want
		fx := c.step(t0.Add(now), exitIn{gen: 1, wid: wid, pid: 100 + wid, up: time.Second})
		if s := fmt.Sprint(fx); !strings.Contains(s, "timer "+want) {
			t.Fatalf("crash %d at %s: %s, want timer %s", i, now, s, want)
		}
		c.step(t0.Add(now), timerIn{})
		wid = c.widSeq
		c.step(t0.Add(now), addedIn{gen: 1, wid: wid, pid: 100 + wid})
	}
	if d := backoff(100); d != backoffMax {
		t.Errorf("backoff after 100 crashes = %s, want %s", d, backoffMax)
	}
}

// A worker killed after it served, or after its first seconds, is replaced at
// once, from a spare when one is ready: no backoff, no crash loop, however often.
func TestCoreLateExitIsReplacedAtOnce(t *testing.T) {
	c := newCore(plain())
	drive(t, c, started)
	for i := range 10 {
		wid, next := c.widSeq, c.widSeq+1
		now := 2*time.Second + time.Duration(i)*500*time.Millisecond
		exit := exitIn{gen: 1, wid: wid, pid: 100 + wid, how: "was killed by signal SIGKILL", last: "GET /", up: 400 * time.Millisecond, served: true}
		if i%2 == 1 {
			exit.served, exit.up = false, earlyExit
		}
		drive(t, c, []at{
			{now, exit, fmt.Sprintf(`
				crash page w%d
				reap w%d
				serve g1 w[]
				log error: worker %d was killed by signal SIGKILL: GET /; replacing it now
				start w%d in g1
				workers g1 []`, wid, wid, 100+wid, next)},
			{now + 100*time.Millisecond, addedIn{gen: 1, wid: next, pid: 100 + next}, fmt.Sprintf(`
				serve g1 w[%d]
				log info: worker %d ready (generation 1)
				spares 1
				workers g1 [w%d:%d]`, next, 100+next, next, i+1)},
		})
	}
	if len(c.crashes) != 0 {
		t.Fatalf("late exits counted as %d crashes", len(c.crashes))
	}
}

// Exits of retired or scaled-down workers are expected; a replacement that comes up
// after a reload, or beyond the wanted count, is stopped.
func TestCoreExpectedExitsAndStaleWorkers(t *testing.T) {
	drive(t, newCore(plain()), script(started, []at{
		{2 * time.Second, exitIn{gen: 1, wid: 1, pid: 101, how: "exited with status 0", served: true}, `
			crash page w1
			reap w1
			serve g1 w[]
			log error: worker 101 exited with status 0: ; replacing it now
			start w2 in g1
			workers g1 []`},
		{2 * time.Second, restartIn{}, `
			state RELOADING: restart
			launch g2 w[3]`},
		{3 * time.Second, launchedIn{id: 2}, `
			crash page cleared
			serve g2 w[3]
			state RUNNING: generation 2, 1 worker(s)
			spares 1
			reloaded: reload: after restart, serving new code after 1000 ms
			retire g1
			workers g2 [w3:0]`},
		{3 * time.Second, addedIn{gen: 1, wid: 2, pid: 102}, `stop w[2]`},
		{3 * time.Second, exitIn{gen: 1, wid: 1, pid: 101}, ``},
		{3 * time.Second, exitIn{gen: 2, wid: 9, pid: 109}, ``},
		{3 * time.Second, addedIn{gen: 2, wid: 42}, ``},
	}))
}

func TestCoreScaleWithinLimits(t *testing.T) {
	drive(t, newCore(plain()), script(started, []at{
		{2 * time.Second, scaleIn{+1}, `
			log info: workers: 2
			start w2 in g1
			workers g1 [w1:0]`},
		{2 * time.Second, scaleIn{+5}, `
			log info: workers: 3
			start w3 in g1
			workers g1 [w1:0]`},
		{2 * time.Second, addedIn{gen: 1, wid: 2, pid: 102}, `
			serve g1 w[1 2]
			log info: worker 102 ready (generation 1)
			workers g1 [w1:0 w2:0]`},
		{2 * time.Second, scaleIn{+1}, `log warn: workers: already 3 (min 1, max 3)`},
		{3 * time.Second, scaleIn{-5}, `
			log info: workers: 1
			stop w[2]
			serve g1 w[1]
			workers g1 [w1:0]`},
		{3 * time.Second, addedIn{gen: 1, wid: 3, pid: 103}, `stop w[3]`},
		{3 * time.Second, scaleIn{-1}, `log warn: workers: already 1 (min 1, max 3)`},
	}))
}

// A count set above the max on the command line is never lowered by a +; a scale
// before anything serves only changes the count the launch starts.
func TestCoreScaleEdges(t *testing.T) {
	cfg := plain()
	cfg.workers = 5
	drive(t, newCore(cfg), []at{
		{0, scaleIn{+1}, `log warn: workers: already 5 (min 1, max 3)`},
		{0, scaleIn{-1}, `log info: workers: 4`},
		{0, startIn{}, `
			state STARTING: starting 4 worker(s)
			launch g1 w[1 2 3 4]`},
	})
}

// Load: saturated at two ticks in a row adds a worker; a minute without a request
// removes one, never below min_workers. Each tick publishes the counters.
func TestCoreAutoscale(t *testing.T) {
	cfg := plain()
	cfg.autoscale = true
	c := newCore(cfg)
	drive(t, c, script(started, []at{
		{2 * time.Second, tickIn{inflight: 2, served: 5}, `workers g1 [w1:0]`},
		{3 * time.Second, tickIn{inflight: 1, served: 6}, `workers g1 [w1:0]`},
		{4 * time.Second, tickIn{inflight: 2, served: 7}, `workers g1 [w1:0]`},
		{5 * time.Second, tickIn{inflight: 2, served: 8}, `
			log info: workers: load asks for +1
			log info: workers: 2
			start w2 in g1
			workers g1 [w1:0]`},
		{5 * time.Second, addedIn{gen: 1, wid: 2, pid: 102}, `
			serve g1 w[1 2]
			log info: worker 102 ready (generation 1)
			workers g1 [w1:0 w2:0]`},
	}))
	var fx []effect
	ticks := 0
	for ; ticks < 2*idleTicks && !strings.Contains(fmt.Sprint(fx), "asks for -1"); ticks++ {
		fx = c.step(t0.Add(time.Minute), tickIn{served: 8})
	}
	if ticks != idleTicks {
		t.Fatalf("scaled down after %d idle ticks, want %d; last %v", ticks, idleTicks, fx)
	}
	for range 2 * idleTicks {
		if fx := c.step(t0.Add(time.Hour), tickIn{served: 8}); strings.Contains(fmt.Sprint(fx), "asks") {
			t.Fatalf("scaled below min_workers: %v", fx)
		}
	}
}

func TestCoreAutoscaleOff(t *testing.T) {
	c := newCore(plain())
	drive(t, c, started)
	for range 5 {
		drive(t, c, []at{{2 * time.Second, tickIn{inflight: 2, served: 1}, `workers g1 [w1:0]`}})
	}
	drive(t, newCore(plain()), []at{{0, tickIn{inflight: 9}, ``}})
}

// Stopping cancels the launch in progress, stops the serving generation and the
// spares, waits for every process, and then nothing more happens.
func TestCoreStop(t *testing.T) {
	drive(t, newCore(plain()), script(started, []at{
		{2 * time.Second, restartIn{}, `
			state RELOADING: restart
			launch g2 w[2]`},
		{2 * time.Second, stopIn{}, `
			cancel g2
			stop all
			drop spares
			wait jobs
			state STOPPED`},
		{3 * time.Second, launchedIn{id: 2}, ``},
		{3 * time.Second, restartIn{}, ``},
	}))
	drive(t, newCore(plain()), []at{
		{0, stopIn{}, `
			stop all
			drop spares
			wait jobs
			state STOPPED`},
	})
}

// An edited configuration starts a new generation with the new worker count while
// the old one serves; the spares, started with the old environment, go first. A
// newly named deploy script runs before the new generation; the same one does not.
func TestCoreConfigChange(t *testing.T) {
	two := plain()
	two.workers = 2
	deploy := two
	deploy.deployFile = "deploy.py"
	drive(t, newCore(plain()), script(started, []at{
		{2 * time.Second, configIn{cfg: two, trigger: "zoo.toml"}, `
			drop spares
			state RELOADING: zoo.toml
			launch g2 w[2 3]`},
		{3 * time.Second, launchedIn{id: 2}, `
			crash page cleared
			serve g2 w[2 3]
			state RUNNING: generation 2, 2 worker(s)
			spares 2
			reloaded: reload: zoo.toml changed, serving new code after 1000 ms
			retire g1
			workers g2 [w2:0 w3:0]`},
		{4 * time.Second, configIn{cfg: deploy, trigger: "zoo.toml"}, `
			state DEPLOYING: running deploy.py
			drop spares
			launch g3 w[4 5] deploy`},
		// A second save while the deploy runs waits for it, then launches once.
		{4500 * time.Millisecond, configIn{cfg: deploy, trigger: "web.config"}, `drop spares`},
		{5 * time.Second, launchedIn{id: 3}, `
			crash page cleared
			serve g3 w[4 5]
			state RUNNING: generation 3, 2 worker(s)
			spares 2
			reloaded: reload: zoo.toml changed, serving new code after 1000 ms
			retire g2
			workers g3 [w4:0 w5:0]
			state RELOADING: web.config
			launch g4 w[6 7]`},
		{6 * time.Second, launchedIn{id: 4, err: errImport}, `
			log error start generation: import failed: SyntaxError: invalid syntax
			spares 2
			reloaded: reload: web.config changed, new code failed, still serving generation 3: import failed: SyntaxError: invalid syntax
			state RUNNING: still serving generation 3 (reload failed)`},
	}))
}

// A configuration that fixes an app that failed to start launches it again.
func TestCoreConfigChangeAfterFailure(t *testing.T) {
	drive(t, newCore(plain()), []at{
		{0, startIn{}, `
			state STARTING: starting 1 worker(s)
			launch g1 w[1]`},
		{time.Second, launchedIn{id: 1, err: errors.New("worker exited with status 1")}, `
			log error start generation: worker exited with status 1
			spares 1
			state FAILED: worker exited with status 1`},
		{2 * time.Second, configIn{cfg: plain(), trigger: "zoo.toml"}, `
			drop spares
			state STARTING: starting 1 worker(s)
			launch g2 w[2]`},
	})
}
