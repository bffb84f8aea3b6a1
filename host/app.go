package host

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

type cmdKind uint8

const (
	cmdRestart cmdKind = iota
	cmdRedeploy
	cmdScale
	cmdChange
)

// command is a request to an app's supervisor loop.
type command struct {
	kind  cmdKind
	delta int       // cmdScale
	files []string  // cmdChange: root-relative names
	first time.Time // cmdChange: when the first change was seen
}

type emitFunc func(src event.Source, lvl event.Level, pid int, text string)

// app supervises one application. Its fields below "loop state" are owned by the run
// goroutine; everything else reaches it through channels.
type app struct {
	spec  *appSpec
	name  string
	bus   *event.Bus
	front Frontend
	cmds  chan command
	seq   atomic.Int64 // worker numbers, for socket names

	// loop state
	state      event.State
	serving    *generation
	genSeq     int
	want       int // desired worker count
	deploy     *Output
	failedIn   string         // "deploy" or "start": what put the app in event.StateFailed
	current    *running       // the launch in progress, nil when none
	queued     *launch        // a launch asked for while a deploy runs: it starts when the deploy ends
	needDeploy bool           // the last deploy did not succeed: every launch deploys first
	lastCrash  []string       // the last crash in the serving generation, for the pages
	reloadErr  string         // why the newest launch failed while an older generation serves
	crashes    []time.Time    // recent crash times, for backoff and crash-loop reports
	jobs       sync.WaitGroup // launches, replacements and retirements in flight
	scaler     autoscaler
	spares     spares
}

func newApp(s *appSpec, opts Options) *app {
	want := s.cfg.MinWorkers
	if opts.Workers > 0 {
		want = opts.Workers
	}
	if want < 1 {
		want = 1
	}
	return &app{spec: s, name: s.cfg.Name, bus: opts.Bus, front: opts.Frontend,
		cmds: make(chan command, 64), want: want,
		scaler: autoscaler{on: opts.Workers == 0 && s.cfg.MaxWorkers > want}}
}

func (a *app) nextWorker() int { return int(a.seq.Add(1)) }

// post queues a command; a full queue drops it (the loop is far behind already).
func (a *app) post(c command) {
	select {
	case a.cmds <- c:
	default:
	}
}

func (a *app) emit(src event.Source, lvl event.Level, pid int, text string) {
	a.bus.Publish(event.Event{App: a.name, Kind: event.KindLog, Source: src, Level: lvl, Worker: pid, Text: text})
}

func (a *app) logf(lvl event.Level, format string, args ...any) {
	a.emit(event.SourceZoo, lvl, 0, fmt.Sprintf(format, args...))
}

// setState changes the state in one place: it publishes the change and tells the frontend.
func (a *app) setState(s event.State, why string) {
	a.state = s
	lvl := event.LevelInfo
	if s == event.StateFailed {
		lvl = event.LevelError
	}
	a.bus.Publish(event.Event{App: a.name, Kind: event.KindState, State: s, Level: lvl, Text: why})
	a.pushStatus(why)
}

func (a *app) pushStatus(errText string) {
	st := Status{State: a.state, Deploy: a.deploy}
	if a.serving != nil {
		st.Gen = a.serving.id
	}
	if a.state == event.StateFailed {
		st.Err, st.DeployFailed = errText, a.failedIn == "deploy"
	}
	st.Crash, st.ReloadErr = a.lastCrash, a.reloadErr
	a.front.SetStatus(a.name, st)
}

// running is the launch in progress.
type running struct {
	id     int // its generation id: results of any other launch are stale
	deploy bool
	cancel context.CancelFunc
}

// workerExit tells the loop that a worker of a serving generation exited.
type workerExit struct {
	gen *generation
	w   *worker
}

// added is a worker started to replace a crashed one or to scale up.
type added struct {
	gen *generation
	w   *worker
	err error
}
