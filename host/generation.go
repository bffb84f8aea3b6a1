package host

import (
	"context"
	"errors"
	"sync"
	"time"
)

// generation is the set of workers running one version of the app's code.
type generation struct {
	id      int
	workers []*worker
}

// fromSpares counts the workers of g that were spares.
func (g *generation) fromSpares() int {
	n := 0
	for _, w := range g.workers {
		if w.wasSpare {
			n++
		}
	}
	return n
}

func (g *generation) endpoints(threads int) []Endpoint {
	eps := make([]Endpoint, 0, len(g.workers))
	for _, w := range g.workers {
		eps = append(eps, Endpoint{PID: w.pid(), Network: w.network, Address: w.address,
			MaxConns: threads, KeepConn: w.keepConn, Stderr: w.lastStderr, Died: w.died})
	}
	return eps
}

func (g *generation) has(w *worker) bool { return g.index(w) >= 0 }

func (g *generation) index(w *worker) int {
	for i, x := range g.workers {
		if x == w {
			return i
		}
	}
	return -1
}

func (g *generation) remove(w *worker) {
	if i := g.index(w); i >= 0 {
		g.workers = append(g.workers[:i], g.workers[i+1:]...)
	}
}

// stop ends every worker of g at once, each by escalation.
func (g *generation) stop() {
	var wg sync.WaitGroup
	for _, w := range g.workers {
		wg.Add(1)
		go func() { defer wg.Done(); w.stop(stopGrace) }()
	}
	wg.Wait()
}

// launch is one application start or reload: the deploy script when asked, then n
// workers of a new generation started side by side.
type launch struct {
	trigger string    // what caused it, for the reload event
	first   time.Time // when the first change was seen
	began   time.Time // when the launch started
	deploy  bool
}

// launchResult is what a launch ends with. gen is nil on failure.
type launchResult struct {
	launch
	id        int // the generation id it started
	gen       *generation
	deployErr error // the deploy script failed: nothing else started
	err       error // a worker failed to start (an *ImportError when the app did not import)
	ready     time.Time
}

// startGeneration starts n workers of generation id; on any failure it stops the
// ones that started and returns the first error, preferring an import error.
func (a *app) startGeneration(ctx context.Context, id, n int, spares []*spare) (*generation, error) {
	type res struct {
		w   *worker
		err error
	}
	results := make(chan res, n)
	for i := 0; i < n; i++ {
		seq := a.nextWorker()
		var sp *spare
		if i < len(spares) {
			sp = spares[i]
		}
		go func() {
			w, err := a.claimOrStart(ctx, sp, id, seq)
			results <- res{w, err}
		}()
	}
	for _, sp := range spares[min(n, len(spares)):] {
		sp.discard() // more than needed: the worker count went down
	}
	g := &generation{id: id}
	var firstErr error
	for i := 0; i < n; i++ {
		r := <-results
		var ie *ImportError
		switch {
		case r.err == nil:
			g.workers = append(g.workers, r.w)
		case firstErr == nil, errors.As(r.err, &ie):
			firstErr = r.err
		}
	}
	if firstErr != nil {
		g.stop()
		return nil, firstErr
	}
	return g, nil
}
