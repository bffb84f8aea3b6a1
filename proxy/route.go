package proxy

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/internal/notify"
	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// route is one app's mount point and what currently serves it. The host changes it
// through the Frontend methods; requests read it.
type route struct {
	cfg    *config.App
	prefix string // the mount path without a trailing slash; "" at the root

	mu      sync.Mutex
	gen     int                 // the generation new requests go to; 0 before the first
	pools   map[int]backendPool // every generation still running requests, by id
	status  host.Status
	died    map[int]func(time.Time) (string, []string, bool) // how each worker ended, by pid
	changed notify.Signal                                    // whenever gen, pools or status change
}

func newRoute(a *config.App) *route {
	return &route{cfg: a, prefix: strings.TrimSuffix(a.Path, "/"), pools: map[int]backendPool{},
		died: map[int]func(time.Time) (string, []string, bool){}}
}

// matches reports whether path falls under the route, on a segment boundary:
// /mount serves /mount and /mount/..., never /mountain.
func (rt *route) matches(path string) bool {
	if rt.prefix == "" {
		return true
	}
	return path == rt.prefix || strings.HasPrefix(path, rt.prefix+"/")
}

// snapshot is what a request needs to decide how to answer.
type snapshot struct {
	pool    backendPool // nil when no generation serves
	status  host.Status
	changed <-chan struct{}
}

func (rt *route) snapshot() snapshot {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return snapshot{pool: rt.pools[rt.gen], status: rt.status, changed: rt.changed.C()}
}

// notify wakes every request waiting on the route; call with rt.mu held.
func (rt *route) notify() {
	rt.changed.Notify()
}

// serve makes gen the serving generation with exactly the given workers.
func (rt *route) serve(gen int, workers []host.Endpoint, opts fcgi.Options) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	p := rt.pools[gen]
	if p == nil {
		p = newPool(protocolOf(workers), opts) // hook: the workers' protocol picks the transport
		rt.pools[gen] = p
	}
	keep := map[int]bool{}
	for _, w := range workers {
		keep[w.PID] = true
	}
	for _, st := range p.Stats() {
		if !keep[st.ID] {
			p.Remove(st.ID)
		}
	}
	have := map[int]bool{}
	for _, st := range p.Stats() {
		have[st.ID] = true
	}
	for _, w := range workers {
		if w.Died != nil {
			rt.died[w.PID] = w.Died
		}
		if !have[w.PID] {
			p.AddBackend(fcgi.Backend{ID: w.PID, Network: w.Network, Address: w.Address,
				MaxConns: w.MaxConns, KeepConns: w.KeepConn, Token: w.Token})
		}
	}
	rt.gen = gen
	rt.pruneStderr()
	rt.notify()
}

// pruneStderr forgets the stderr of workers no generation holds any more, keeping
// a few recent ones for their crash pages; call with rt.mu held.
func (rt *route) pruneStderr() {
	if len(rt.died) <= maxKeptStderr {
		return
	}
	live := map[int]bool{}
	for _, p := range rt.pools {
		for _, st := range p.Stats() {
			live[st.ID] = true
		}
	}
	for pid := range rt.died {
		if !live[pid] {
			delete(rt.died, pid)
		}
	}
}

// maxKeptStderr is how many workers' stderr a route keeps before it forgets gone ones.
const maxKeptStderr = 64

// retire stops new requests to gen and waits for its in-flight ones.
func (rt *route) retire(ctx context.Context, gen int) error {
	rt.mu.Lock()
	p := rt.pools[gen]
	delete(rt.pools, gen)
	if rt.gen == gen {
		rt.gen = 0
	}
	rt.notify()
	rt.mu.Unlock()
	if p == nil {
		return nil
	}
	defer p.Close()
	return p.Drain(ctx)
}

func (rt *route) setStatus(st host.Status) {
	rt.mu.Lock()
	rt.status = st
	rt.notify()
	rt.mu.Unlock()
}

// load sums the counters of every generation's workers by pid.
func (rt *route) load() map[int]host.Load {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := map[int]host.Load{}
	for _, p := range rt.pools {
		for _, st := range p.Stats() {
			l := out[st.ID]
			l.InFlight += st.InFlight
			l.Served += int64(st.Served)
			out[st.ID] = l
		}
	}
	return out
}

// crashOf says how worker pid ended and what it wrote on stderr since the request
// began; known is false for a worker the route never had.
func (rt *route) crashOf(pid int, since time.Time) (c crash, known bool) {
	rt.mu.Lock()
	f := rt.died[pid]
	rt.mu.Unlock()
	if f == nil {
		return crash{pid: pid}, false
	}
	c.pid = pid
	c.how, c.lines, c.exited = f(since)
	return c, true
}
