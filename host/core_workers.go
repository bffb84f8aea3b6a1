package host

import (
	"fmt"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// exited handles the exit of a worker: expected for a retired generation or a
// worker scaled down, a crash for the serving one. A worker that had served, or
// lived past earlyExit, was killed from outside or crashed on a request: it is
// replaced at once. One that dies at start backs off, and five such deaths in a
// minute are a crash loop.
func (c *core) exited(now time.Time, e exitIn, fx *effects) {
	i := c.slotOf(e.wid)
	if e.gen != c.serving || i < 0 {
		return
	}
	restarts := c.slots[i].restarts + 1
	c.slots = append(c.slots[:i], c.slots[i+1:]...)
	c.warm = true // replacements follow; spares make them quick
	what := fmt.Sprintf("worker %d %s", e.pid, e.how)
	fx.add(crashPage{wid: e.wid, header: what + "; its last lines on stderr:"})
	fx.add(reap{e.wid})
	fx.add(serve{gen: c.serving, wids: c.wids()})
	c.owed = append(c.owed, restarts)
	if e.served || e.up >= earlyExit {
		fx.add(logLine{event.LevelError, fmt.Sprintf("%s: %s; replacing it now", what, e.last)})
		c.startOwed(1, fx)
	} else {
		delay := c.noteCrash(now, fx)
		fx.add(logLine{event.LevelError, fmt.Sprintf("%s: %s; restarting in %s", what, e.last, delay)})
		c.arm(delay, fx)
	}
	fx.add(c.workers())
}

// added takes a started replacement or extra worker into the serving generation.
func (c *core) added(now time.Time, r addedIn, fx *effects) {
	restarts, ok := c.starting[r.wid]
	if !ok {
		return
	}
	delete(c.starting, r.wid)
	if r.err != nil {
		if r.gen == c.serving {
			fx.add(logErr{"start worker", r.err})
			c.owed = append(c.owed, restarts) // a replacement that cannot start is a crash too
			c.arm(c.noteCrash(now, fx), fx)
		}
		return
	}
	if r.gen != c.serving || len(c.slots) >= c.want { // a reload or a scale-down happened meanwhile
		fx.add(stopWorkers{[]int{r.wid}})
		return
	}
	c.slots = append(c.slots, slot{wid: r.wid, restarts: restarts})
	fx.add(serve{gen: c.serving, wids: c.wids()})
	fx.add(logLine{event.LevelInfo, fmt.Sprintf("worker %d ready (generation %d)", r.pid, r.gen)})
	c.fillSpares(fx) // it may have been a spare
	fx.add(c.workers())
}

// startOwed starts up to n of the owed workers, the most recent first.
func (c *core) startOwed(n int, fx *effects) {
	for ; n > 0 && len(c.owed) > 0; n-- {
		restarts := c.owed[len(c.owed)-1]
		c.owed = c.owed[:len(c.owed)-1]
		wid := c.newWid()
		c.starting[wid] = restarts
		fx.add(addWorker{gen: c.serving, wid: wid})
	}
}

// arm sets the replacement timer unless it is set already.
func (c *core) arm(d time.Duration, fx *effects) {
	if !c.timer {
		c.timer = true
		fx.add(armTimer{d})
	}
}

// noteCrash records an early crash, reports a crash loop, and returns how long
// to wait before the replacement.
func (c *core) noteCrash(now time.Time, fx *effects) time.Duration {
	recent := c.crashes[:0]
	for _, t := range c.crashes {
		if now.Sub(t) < crashWindow {
			recent = append(recent, t)
		}
	}
	c.crashes = append(recent, now)
	if len(c.crashes) >= crashLoop {
		fx.add(logLine{event.LevelError, fmt.Sprintf("crash loop: %d worker crashes in the last %s; fix the app and save, or press r",
			len(c.crashes), crashWindow)})
	}
	return backoff(len(c.crashes))
}

// backoff doubles from backoffMin with each recent crash, up to backoffMax.
func backoff(crashes int) time.Duration {
	d := backoffMin
	for i := 1; i < crashes && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// scale changes the wanted worker count by delta, up to max workers and down to 1
// (a count set above the max with --workers is never lowered by a +). Missing
// workers start at once; extra ones stop.
func (c *core) scale(delta int, fx *effects) {
	want := c.want + delta
	if delta > 0 {
		want = min(want, max(c.cfg.maxWorkers, c.want))
	}
	want = max(want, 1)
	if want == c.want {
		fx.add(logLine{event.LevelWarn, fmt.Sprintf("workers: already %d (min 1, max %d)", c.want, c.cfg.maxWorkers)})
		return
	}
	c.want = want
	fx.add(logLine{event.LevelInfo, fmt.Sprintf("workers: %d", want)})
	if c.serving == 0 {
		return // the launch in progress or the next one starts want workers
	}
	if have := len(c.slots) + len(c.owed) + len(c.starting); have < want {
		for range want - have {
			c.owed = append(c.owed, 0)
		}
		c.startOwed(want-have, fx)
	}
	c.owed = c.owed[:max(0, min(len(c.owed), want-len(c.slots)-len(c.starting)))]
	if len(c.slots) > want {
		var extra []int
		for _, s := range c.slots[want:] {
			extra = append(extra, s.wid)
		}
		c.slots = c.slots[:want]
		fx.add(stopWorkers{extra})
		fx.add(serve{gen: c.serving, wids: c.wids()})
	}
	fx.add(c.workers())
}

// tick scales by load, like Helicon Zoo between minInstances and maxInstances: a
// worker more when every request slot was taken at two ticks in a row, a worker
// fewer after a minute without a request. Then it publishes the workers' counters.
func (c *core) tick(l tickIn, fx *effects) {
	if c.serving == 0 {
		return
	}
	if c.cfg.autoscale {
		if capacity := len(c.slots) * c.cfg.threads; capacity > 0 && l.inflight >= capacity {
			c.busy++
		} else {
			c.busy = 0
		}
		if l.inflight == 0 && l.served == c.served {
			c.idle++
		} else {
			c.idle = 0
		}
		c.served = l.served
		switch {
		case c.busy >= busyTicks && c.want < c.cfg.maxWorkers:
			c.busy = 0
			fx.add(logLine{event.LevelInfo, "workers: load asks for +1"})
			c.scale(+1, fx)
			return
		case c.idle >= idleTicks && c.want > max(c.cfg.minWorkers, 1):
			c.idle = 0
			fx.add(logLine{event.LevelInfo, "workers: load asks for -1"})
			c.scale(-1, fx)
			return
		}
	}
	fx.add(c.workers())
}

func (c *core) slotOf(wid int) int {
	for i, s := range c.slots {
		if s.wid == wid {
			return i
		}
	}
	return -1
}
