// Package host runs a site's apps: per app the deploy script, the Python workers and
// their generations, the file watcher, restarts with backoff, and the event stream.
// It serves nothing itself: a Frontend (the proxy) is told which workers serve each app.
package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	workerpy "github.com/zoo-dev/zoo-dev/host/worker"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// stopGrace is how long a process gets between the request to stop (a "stop" line on a
// worker's lifeline, SIGTERM for others) and the end of its whole tree.
const stopGrace = 3 * time.Second

// Endpoint is one ready worker the frontend may send requests to.
type Endpoint struct {
	PID      int
	Protocol string // "fcgi" or "http": how the frontend speaks to it
	Network  string // "unix" or "tcp"
	Address  string
	MaxConns int    // requests it serves at once
	KeepConn bool   // it honours FCGI_KEEP_CONN (zoo-dev's worker); a custom engine may not
	Token    string // sent as the ZOO_DEV_TOKEN param with every request; "" for none
	// Died, for a crash page, waits a moment for the worker to exit and says how it
	// ended ("was killed by signal SIGKILL") and its stderr lines since the time given.
	Died func(since time.Time) (how string, lines []string, exited bool)
}

// Status is what the frontend needs to answer for an app it cannot forward to.
type Status struct {
	State  event.State
	Gen    int     // the generation serving, 0 when none
	Deploy *Output // the latest deploy run; nil before the first
	Err    string  // why the app is FAILED: a deploy status or an import traceback
	// DeployFailed says the FAILED state comes from the deploy script (its output is in Deploy).
	DeployFailed bool
	// ReloadErr is why the newest code failed to start (a deploy status or an import
	// traceback) while the previous generation keeps serving; empty when none failed.
	ReloadErr string
	// Crash is the last worker crash of the serving generation: a line that says which
	// worker and how, then its last stderr lines. Empty when none crashed.
	Crash []string
}

// Load is one worker's request counters as the frontend sees them.
type Load struct {
	InFlight int
	Served   int64
}

// Frontend is the part of the proxy the host drives. Serve and SetStatus for one app
// come from one goroutine, in order; Retire and Load may be called beside them.
type Frontend interface {
	// Serve switches new requests for app to generation gen and its workers. It is
	// called again with the new list when a worker of gen is replaced.
	Serve(app string, gen int, workers []Endpoint)
	// Retire stops sending requests to gen and returns when its in-flight requests end.
	Retire(ctx context.Context, app string, gen int) error
	// SetStatus tells what the app is doing, for the pages the proxy answers itself.
	SetStatus(app string, st Status)
	// Load returns the counters of the app's workers by pid.
	Load(app string) map[int]Load
}

// Options are the host's dependencies and overrides.
type Options struct {
	Bus      *event.Bus // required: where every event goes
	Frontend Frontend   // required
	Workers  int        // fixed worker count for every app; 0 = min_workers from the file
	CacheDir string     // where the worker script is installed; default the user cache folder
	// Transport is "unix" or "tcp" for the workers; "" takes ZOO_DEV_TRANSPORT, else the OS's.
	Transport string
}

// Host runs every app of a site.
type Host struct {
	apps   []*app
	byName map[string]*app
	runDir string
	bus    *event.Bus
	logSub *event.Sub // ERROR_LOG_DIR and friends; subscribed before anything starts
}

// New prepares the apps of site. Nothing starts until Run.
func New(site *config.Site, opts Options) (*Host, error) {
	cache := opts.CacheDir
	if cache == "" {
		if d, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(d, "zoo-dev")
		} else {
			cache = filepath.Join(os.TempDir(), "zoo-dev-cache")
		}
	}
	script, err := workerpy.Install(cache)
	if err != nil {
		return nil, fmt.Errorf("install the worker script in %s: %w", cache, err)
	}
	tname := opts.Transport
	if tname == "" {
		tname = os.Getenv(transportEnv)
	}
	tr, err := newTransport(tname)
	if err != nil {
		return nil, err
	}
	runDir, err := makeRunDir()
	if err != nil {
		return nil, err
	}
	h := &Host{byName: make(map[string]*app), runDir: runDir, bus: opts.Bus}
	for i, a := range site.Apps {
		dir := filepath.Join(runDir, fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o700); err != nil {
			os.RemoveAll(runDir)
			return nil, fmt.Errorf("create the run folder: %w", err)
		}
		spec := newAppSpec(a, engineFor(site, a), dir, script)
		spec.transport = tr
		ap := newApp(spec, opts)
		h.apps = append(h.apps, ap)
		h.byName[a.Name] = ap
	}
	h.logSub = opts.Bus.Subscribe(1 << 16)
	return h, nil
}

// Run starts every app and returns when ctx is done and every process it started
// has exited, with the run folder removed. The apps run until they are told to
// stop: the error is context.Cause(ctx), what stopped them.
func (h *Host) Run(ctx context.Context) error {
	defer os.RemoveAll(h.runDir)
	logCtx, stopLogs := context.WithCancel(context.Background())
	logsDone := make(chan struct{})
	cfgs := make(map[string]*config.App, len(h.apps))
	for _, a := range h.apps {
		cfgs[a.name] = a.spec.cfg
	}
	go func() {
		defer close(logsDone)
		writeLogFiles(logCtx, h.logSub, cfgs, func(msg string) {
			h.bus.Publish(event.Event{App: event.Site, Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelWarn, Text: msg})
		})
	}()
	var wg sync.WaitGroup
	for _, a := range h.apps {
		cfg := a.spec.cfg // read before the loop runs: it may take an edited one
		wg.Add(2)
		go func() { defer wg.Done(); a.run(ctx) }()
		go func() { defer wg.Done(); a.watch(ctx, h.runDir, cfg) }()
	}
	wg.Wait()
	stopLogs() // after the apps: their last events reach the files
	<-logsDone
	h.logSub.Close()
	return context.Cause(ctx)
}

// Reconfigure gives the named apps their settings from site, an edited load of
// the file the host was made from: each starts a new generation with them while
// the old one serves, as a save of its code does. It changes nothing and returns
// an error when site lacks one of them or has an app the host does not run
// (adding or removing apps takes a restart).
func (h *Host) Reconfigure(site *config.Site, names []string) error {
	cfgs := map[string]*config.App{}
	for _, a := range site.Apps {
		if h.byName[a.Name] == nil {
			return fmt.Errorf("app %s is new: adding an app takes a restart of zoo-dev", a.Name)
		}
		cfgs[a.Name] = a
	}
	for _, name := range names {
		if cfgs[name] == nil {
			return fmt.Errorf("app %s is not in %s: removing an app takes a restart of zoo-dev", name, site.File)
		}
	}
	trigger := filepath.Base(site.File)
	for _, name := range names {
		c := cfgs[name]
		newest(h.byName[name].reconf, reconfIn{cfg: c, engine: engineFor(site, c), trigger: trigger})
	}
	return nil
}

// Restart starts a new generation of the app's workers.
func (h *Host) Restart(name string) { h.send(name, restartIn{}) }

// Redeploy reruns the app's deploy script, then starts a new generation.
func (h *Host) Redeploy(name string) { h.send(name, redeployIn{}) }

// SetWorkers changes the app's worker count by delta, within its min and max.
func (h *Host) SetWorkers(name string, delta int) {
	h.send(name, scaleIn{delta})
}

func (h *Host) send(name string, c input) {
	if a := h.byName[name]; a != nil {
		a.post(c)
	}
}
