package host

import (
	"fmt"
	"slices"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// An input is one thing that happened, for the core to decide on.
type (
	input interface{ isInput() }
	// startIn starts the app.
	startIn struct{}
	// stopIn stops everything.
	stopIn struct{}
	// restartIn and redeployIn are the user's commands.
	restartIn  struct{}
	redeployIn struct{}
	// scaleIn changes the worker count by delta.
	scaleIn struct{ delta int }
	// changeIn is a burst of saved files; deploy says the deploy script is among them.
	changeIn struct {
		files  []string
		first  time.Time
		deploy bool
	}
	// launchedIn is the end of launch id: its workers, or why it failed.
	launchedIn struct {
		id        int
		spares    int // workers that came from spares
		deployErr error
		err       error
	}
	// exitIn is the exit of worker wid of generation gen.
	exitIn struct {
		gen, wid, pid int
		how           string        // how it ended: "exited with status 1", "was killed by signal SIGKILL"
		last          string        // its last line on stderr
		up            time.Duration // how long it was ready
		served        bool          // it answered at least one request
	}
	// addedIn is the end of a worker's start for generation gen.
	addedIn struct {
		gen, wid, pid int
		err           error
	}
	// configIn is the app's edited configuration: what the policy needs of it, and
	// what caused it ("zoo.toml changed") for the reload event.
	configIn struct {
		cfg     coreConfig
		trigger string
	}
	// timerIn is the replacement timer firing.
	timerIn struct{}
	// tickIn is the load of the serving generation, once a second.
	tickIn struct {
		inflight int
		served   int64
	}
)

func (startIn) isInput()    {}
func (stopIn) isInput()     {}
func (restartIn) isInput()  {}
func (redeployIn) isInput() {}
func (scaleIn) isInput()    {}
func (changeIn) isInput()   {}
func (launchedIn) isInput() {}
func (exitIn) isInput()     {}
func (addedIn) isInput()    {}
func (configIn) isInput()   {}
func (timerIn) isInput()    {}
func (tickIn) isInput()     {}

// An effect is one thing the core asks the loop to do. String renders it for the
// table tests.
type effect interface{ String() string }

type effects []effect

func (fx *effects) add(e effect) { *fx = append(*fx, e) }

type (
	// startLaunch runs the deploy script when asked, then starts workers wids as
	// generation id, from spares where there are some.
	startLaunch struct {
		id     int
		wids   []int
		deploy bool
	}
	// cancelLaunch stops launch id, which then reports its failure.
	cancelLaunch struct{ id int }
	// stopGen stops every worker of generation id at once.
	stopGen struct{ id int }
	// serve tells the frontend that generation gen serves with exactly workers wids.
	serve struct {
		gen  int
		wids []int
	}
	// retire lets gen finish its in-flight requests, then stops its workers.
	retire struct{ gen int }
	// addWorker starts worker wid for generation gen, from a spare when one is ready.
	addWorker struct{ gen, wid int }
	// stopAll stops every worker the app started.
	stopAll struct{}
	// stopWorkers stops workers that are no longer wanted.
	stopWorkers struct{ wids []int }
	// reap removes what is left of an exited worker: its process group and socket.
	reap struct{ wid int }
	// armTimer has a timerIn arrive after d.
	armTimer struct{ d time.Duration }
	// setState publishes the app's state and tells the frontend.
	setState struct {
		state        event.State
		why          string
		gen          int
		deployFailed bool
		reloadErr    string // the newest code failed while generation gen serves
	}
	// logLine publishes one of zoo-dev's own lines.
	logLine struct {
		level event.Level
		text  string
	}
	// logErr publishes err as one line, and an import error's traceback after it.
	logErr struct {
		what string
		err  error
	}
	// reloaded publishes how a reload went.
	reloaded struct{ info event.ReloadInfo }
	// crashPage sets the crash the app's pages show: worker wid's header and last
	// stderr lines; wid 0 clears it.
	crashPage struct {
		wid    int
		header string
	}
	// fillSpares starts spare workers until there are n.
	fillSpares struct{ n int }
	// dropSpares ends every spare.
	dropSpares struct{}
	// waitJobs waits until every process the app started has exited.
	waitJobs struct{}
	// publishWorkers publishes the serving workers, with each one's restarts.
	publishWorkers struct {
		gen      int
		wids     []int
		restarts map[int]int // by wid
	}
)

func (e startLaunch) String() string {
	s := fmt.Sprintf("launch g%d w%v", e.id, e.wids)
	if e.deploy {
		s += " deploy"
	}
	return s
}
func (e cancelLaunch) String() string { return fmt.Sprintf("cancel g%d", e.id) }
func (e stopGen) String() string      { return fmt.Sprintf("stop g%d", e.id) }
func (e serve) String() string        { return fmt.Sprintf("serve g%d w%v", e.gen, e.wids) }
func (e retire) String() string       { return fmt.Sprintf("retire g%d", e.gen) }
func (e addWorker) String() string    { return fmt.Sprintf("start w%d in g%d", e.wid, e.gen) }
func (e stopWorkers) String() string  { return fmt.Sprintf("stop w%v", e.wids) }
func (e reap) String() string         { return fmt.Sprintf("reap w%d", e.wid) }
func (e armTimer) String() string     { return fmt.Sprintf("timer %s", e.d) }
func (e setState) String() string {
	s := "state " + e.state.String()
	if e.why != "" {
		s += ": " + e.why
	}
	if e.deployFailed {
		s += " (deploy)"
	}
	if e.reloadErr != "" {
		s += " (reload failed)"
	}
	return s
}
func (e logLine) String() string { return fmt.Sprintf("log %s: %s", levelNames[e.level], e.text) }

var levelNames = [...]string{event.LevelInfo: "info", event.LevelWarn: "warn", event.LevelError: "error"}

func (e logErr) String() string   { return fmt.Sprintf("log error %s: %s", e.what, summary(e.err)) }
func (e reloaded) String() string { return "reloaded: " + e.info.Text() }
func (e crashPage) String() string {
	if e.wid == 0 {
		return "crash page cleared"
	}
	return fmt.Sprintf("crash page w%d", e.wid)
}
func (e fillSpares) String() string { return fmt.Sprintf("spares %d", e.n) }
func (dropSpares) String() string   { return "drop spares" }
func (stopAll) String() string      { return "stop all" }
func (waitJobs) String() string     { return "wait jobs" }
func (e publishWorkers) String() string {
	var parts []string
	for _, w := range e.wids {
		parts = append(parts, fmt.Sprintf("w%d:%d", w, e.restarts[w]))
	}
	slices.Sort(parts)
	return fmt.Sprintf("workers g%d %v", e.gen, parts)
}
