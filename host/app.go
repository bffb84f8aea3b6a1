package host

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

type emitFunc func(src event.Source, lvl event.Level, pid int, text string)

// app supervises one application: its core decides, its run loop performs. The
// fields below "loop state" are owned by the run goroutine; everything else reaches
// it through channels.
type app struct {
	spec  *appSpec
	name  string
	bus   *event.Bus
	front Frontend
	cmds  chan input
	seq   atomic.Int64 // socket numbers
	fixed int          // the --workers count for every app; 0 when none

	// reconf carries an edited configuration to the loop, rewatch the same to the
	// watcher; each holds the newest one only.
	reconf  chan reconfIn
	rewatch chan *config.App

	// loop state
	core     *core
	workers  map[int]*worker            // every worker started and not stopped, by core worker id
	launches map[int]context.CancelFunc // launches in progress, by generation id
	status   Status                     // what the frontend was told last
	spares   spares
	jobs     sync.WaitGroup   // launches, replacements and stops in flight
	timer    <-chan time.Time // the replacement timer while armed
	results  chan launchResult
	exits    chan exitIn
	addeds   chan added
}

func newApp(s *appSpec, opts Options) *app {
	return &app{spec: s, name: s.cfg.Name, bus: opts.Bus, front: opts.Frontend, fixed: opts.Workers,
		cmds: make(chan input, 64), core: newCore(coreConfigOf(s, opts.Workers)), workers: map[int]*worker{},
		launches: map[int]context.CancelFunc{}, results: make(chan launchResult),
		exits: make(chan exitIn), addeds: make(chan added),
		reconf: make(chan reconfIn, 1), rewatch: make(chan *config.App, 1)}
}

// coreConfigOf is what the core needs of the app's configuration; fixed is the
// --workers count, 0 when none.
func coreConfigOf(s *appSpec, fixed int) coreConfig {
	want := s.cfg.MinWorkers
	if fixed > 0 {
		want = fixed
	}
	cfg := coreConfig{workers: want, minWorkers: s.cfg.MinWorkers, maxWorkers: s.cfg.MaxWorkers,
		threads: s.cfg.Threads, autoscale: fixed == 0 && s.cfg.MaxWorkers > max(want, 1)}
	if s.cfg.DeployFile != "" {
		cfg.deployFile = s.rel(s.cfg.DeployFile)
	}
	return cfg
}

// reconfIn is an edited configuration of the app, from the file named trigger.
type reconfIn struct {
	cfg     *config.App
	engine  *config.Engine
	trigger string
}

// newest sends v on c, a channel of one, replacing what is waiting there.
func newest[T any](c chan T, v T) {
	for {
		select {
		case c <- v:
			return
		default:
		}
		select {
		case <-c:
		default:
		}
	}
}

func (a *app) nextSocket() int { return int(a.seq.Add(1)) }

// post queues a command; a full queue drops it (the loop is far behind already).
func (a *app) post(in input) {
	select {
	case a.cmds <- in:
	default:
	}
}

// change posts a burst of saved files as one reload command; c is the
// configuration the watcher runs with.
func (a *app) change(c *config.App, files []string, first time.Time) {
	deploy := false
	for _, f := range files {
		if d := c.DeployFile; d != "" && filepath.Join(c.Root, filepath.FromSlash(f)) == d {
			deploy = true
		}
	}
	a.post(changeIn{files: files, first: first, deploy: deploy})
}

func (a *app) emit(src event.Source, lvl event.Level, pid int, text string) {
	a.bus.Publish(event.Event{App: a.name, Kind: event.KindLog, Source: src, Level: lvl, Worker: pid, Text: text})
}

func (a *app) logf(lvl event.Level, format string, args ...any) {
	a.emit(event.SourceZoo, lvl, 0, fmt.Sprintf(format, args...))
}

// launchResult is what a launch ends with. gen is nil on failure.
type launchResult struct {
	id        int
	gen       *generation
	deployErr error // the deploy script failed: nothing else started
	err       error // a worker failed to start (an *ImportError when the app did not import)
}

// added is a worker started to replace an exited one or to scale up.
type added struct {
	gen, wid int
	w        *worker
	err      error
}
