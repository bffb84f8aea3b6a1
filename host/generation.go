package host

import (
	"context"
	"errors"
	"sync"
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

// stop ends every worker of g at once, each by escalation.
func (g *generation) stop() {
	var wg sync.WaitGroup
	for _, w := range g.workers {
		wg.Add(1)
		go func() { defer wg.Done(); w.stop(stopGrace) }()
	}
	wg.Wait()
}

// startGeneration starts workers wids as generation id, the first ones from the
// given spares; on any failure it stops the ones that started and returns the first
// error, preferring an import error.
func (a *app) startGeneration(ctx context.Context, spec *appSpec, id int, wids []int, spares []*spare) (*generation, error) {
	type res struct {
		w   *worker
		err error
	}
	n := len(wids)
	results := make(chan res, n)
	for i, wid := range wids {
		var sp *spare
		if i < len(spares) {
			sp = spares[i]
		}
		go func() {
			w, err := a.claimOrStart(ctx, spec, sp, id, wid)
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
