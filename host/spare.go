package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// A spare is a worker started ahead of the next reload: its interpreter is up and
// the libraries the app used last time are imported (Flask, Django, the standard
// library), and it holds before importing the app. A reload tells it "go", so the
// new generation only imports the app's own code. Once the app is warm (the core
// decides: its first reload, failed start or crash), it keeps as many spares as it
// wants workers; a deploy, which may have installed new packages, discards them.
type spare struct {
	w *worker // its status line, ready or import_error, arrives after "go"
}

// claim turns a spare into worker of generation gen, ready to accept.
func (sp *spare) claim(ctx context.Context, s *appSpec, gen int) (*worker, error) {
	sp.w.gen, sp.w.wasSpare = gen, true
	if _, err := sp.w.lifeline.Write([]byte("go\n")); err != nil {
		sp.w.stop(stopGrace)
		return nil, fmt.Errorf("spare worker %d: %w", sp.w.pid(), err)
	}
	if err := sp.w.awaitReady(ctx, s.cfg.StartTimeout); err != nil {
		sp.w.stop(stopGrace)
		return nil, err
	}
	return sp.w, nil
}

// discard ends a spare that will not be used.
func (sp *spare) discard() {
	sp.w.stop(stopGrace)
}

// spares is the loop's stock of spare workers and the preload list they start with.
type spares struct {
	list    []*spare
	preload string // the file listing the modules to preload; "" before the first generation
}

// remember writes the modules a ready worker reported, for the next spares.
func (sp *spares) remember(s *appSpec, gen int, modules []string) {
	if len(modules) == 0 {
		return
	}
	path := filepath.Join(s.runDir, fmt.Sprintf("preload-%d.txt", gen))
	if err := os.WriteFile(path, []byte(strings.Join(modules, "\n")+"\n"), 0o600); err == nil {
		if sp.preload != "" {
			os.Remove(sp.preload)
		}
		sp.preload = path
	}
}

// take hands out up to n spares whose process is still running.
func (sp *spares) take(n int) []*spare {
	var out []*spare
	for len(sp.list) > 0 && len(out) < n {
		s := sp.list[0]
		sp.list = sp.list[1:]
		select {
		case <-s.w.proc.done:
			s.discard()
		default:
			out = append(out, s)
		}
	}
	return out
}

// fill starts spares until there are want of them.
func (sp *spares) fill(a *app, want int) {
	if a.spec.engine != nil || sp.preload == "" {
		return
	}
	for len(sp.list) < want {
		w, err := spawnWorker(a.spec, 0, a.nextSocket(), a.emit, sp.preload)
		if err != nil {
			a.logf(event.LevelWarn, "start a spare worker: %v", err)
			return
		}
		sp.list = append(sp.list, &spare{w: w})
	}
}

// drop ends every spare, in the background of the app's jobs.
func (sp *spares) drop(a *app) {
	list := sp.list
	sp.list = nil
	for _, s := range list {
		a.jobs.Add(1)
		go func() { defer a.jobs.Done(); s.discard() }()
	}
}

// claimOrStart makes worker wid of generation gen from a spare when there is one,
// and starts a fresh worker when there is none or the spare failed for a reason
// other than the app's code.
func (a *app) claimOrStart(ctx context.Context, spec *appSpec, sp *spare, gen, wid int) (*worker, error) {
	w, err := a.claim(ctx, spec, sp, gen)
	if w == nil && err == nil {
		w, err = startWorker(ctx, spec, gen, a.nextSocket(), a.emit)
	}
	if w != nil {
		w.id = wid
	}
	return w, err
}

// claim turns sp into a worker of generation gen. It returns neither a worker nor
// an error when there is no spare or it failed for a reason other than the app's code.
func (a *app) claim(ctx context.Context, spec *appSpec, sp *spare, gen int) (*worker, error) {
	if sp == nil {
		return nil, nil
	}
	w, err := sp.claim(ctx, spec, gen)
	var ie *ImportError
	if err == nil || errors.As(err, &ie) || ctx.Err() != nil {
		return w, err
	}
	a.logf(event.LevelWarn, "%v; starting a new worker instead", err)
	return nil, nil
}
