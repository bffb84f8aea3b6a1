// Package proxy is zoo-dev's HTTP front: it routes requests by path prefix to each
// app's current generation of workers through a FastCGI pool, waits a bounded time
// while a generation starts, answers with its own pages when the app cannot, and
// reports every request as an event.
//
// It keeps hostile or slow clients away from the workers, within the site's
// config.Limits: a request body is read whole before a worker is asked, a client
// that stops reading is dropped after the write timeout, requests with conflicting
// framing and Host names that are not allowed are refused before anything reaches
// the app, and every 502 or 504 is one log line with the worker's pid and the reason.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// Server serves a site's apps over HTTP. It implements host.Frontend.
type Server struct {
	routes []*route // longest prefix first
	byName map[string]*route
	bus    *event.Bus
	static staticFolders // folders served as plain files, longest prefix first
	limits config.Limits
	hosts  *hostPolicy // set by Run, from the listen address
	warned warnOnce
	live   *liveReload
}

var _ host.Frontend = (*Server)(nil)

// New returns a server for the apps of site that reports requests to bus.
func New(site *config.Site, bus *event.Bus) *Server {
	s := &Server{byName: map[string]*route{}, bus: bus, static: newStaticFolders(site.Static), limits: limitsOf(site.Limits),
		live: newLiveReload(bus, event.Site)}
	s.hosts = newHostPolicy(s.limits.AllowedHosts, nil)
	for _, a := range site.Apps {
		rt := newRoute(a)
		s.routes = append(s.routes, rt)
		s.byName[a.Name] = rt
	}
	sort.SliceStable(s.routes, func(i, j int) bool { return len(s.routes[i].prefix) > len(s.routes[j].prefix) })
	return s
}

// Listen binds addr, with one clear error for a busy or bad address.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, errAddrInUse) {
			return nil, fmt.Errorf("listen on %s: the port is in use; stop what uses it or pass --listen 127.0.0.1:0 for a free port", addr)
		}
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// ReadHeaderTimeout bounds how long a client may take to send a request's header.
const ReadHeaderTimeout = 30 * time.Second

// Run answers HTTP on ln until ctx is done, then shuts down: it stops accepting and
// gives in-flight requests up to grace to finish.
func (s *Server) Run(ctx context.Context, ln net.Listener, grace time.Duration) error {
	s.hosts = newHostPolicy(s.limits.AllowedHosts, ln.Addr())
	hs := &http.Server{Handler: s, ReadHeaderTimeout: ReadHeaderTimeout, IdleTimeout: s.limits.IdleTimeout,
		// net/http allows 4 KiB over MaxHeaderBytes; take them off, so the limit is the number the user set.
		MaxHeaderBytes: max(1, s.limits.MaxHeaderSize-4096), ConnContext: connContext,
		ErrorLog: log.New(busWriter{s.bus}, "", 0)}
	hs.RegisterOnShutdown(s.live.shutdown)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(framedListener{ln}) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	return nil
}

// Serve implements host.Frontend.
func (s *Server) Serve(app string, gen int, workers []host.Endpoint) {
	if rt := s.byName[app]; rt != nil {
		rt.serve(gen, workers, s.fcgiOptions(rt))
		s.live.served(app, gen)
	}
}

// DisableLiveReload stops injecting the live refresh script into HTML pages.
func (s *Server) DisableLiveReload() { s.live.disable() }

// Retire implements host.Frontend.
func (s *Server) Retire(ctx context.Context, app string, gen int) error {
	if rt := s.byName[app]; rt != nil {
		return rt.retire(ctx, gen)
	}
	return nil
}

// SetStatus implements host.Frontend.
func (s *Server) SetStatus(app string, st host.Status) {
	if rt := s.byName[app]; rt != nil {
		rt.setStatus(st)
	}
}

// Load implements host.Frontend.
func (s *Server) Load(app string) map[int]host.Load {
	if rt := s.byName[app]; rt != nil {
		return rt.load()
	}
	return nil
}

func (s *Server) fcgiOptions(rt *route) fcgi.Options {
	var o fcgi.Options
	o.IdleTimeout = rt.cfg.RequestTimeout
	o.FirstByteTimeout = rt.cfg.RequestTimeout
	o.QueueTimeout = rt.cfg.StartTimeout // a request waits this long for a worker, busy or starting
	return o
}

func (s *Server) match(path string) *route {
	for _, rt := range s.routes {
		if rt.matches(path) {
			return rt
		}
	}
	return nil
}

// ServeHTTP routes the request to its app and reports it as an event.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == EventsPath {
		s.live.serveEvents(w, r)
		return
	}
	start := time.Now()
	rt := s.match(r.URL.Path)
	cw := &countingWriter{ResponseWriter: w, timeout: s.limits.WriteTimeout, start: start}
	body := keepBody(r)
	var worker int
	switch {
	case conflictingFraming(r):
		s.refuseFraming(cw, r, rt)
	case !s.hosts.allows(r.Host):
		s.refuseHost(cw, r, rt)
	case r.URL.Path != "" && r.URL.Path[0] != '/': // "GET * HTTP/1.1"; net/http answers OPTIONS * itself
		writePage(cw, r, page{Status: http.StatusBadRequest, Title: "Bad Request",
			Message: fmt.Sprintf("zoo-dev serves paths that start with /, not %q.", r.URL.Path)})
	case s.static.serve(cw, r, rt): // a static folder: no access event, as before
		return
	case rt == nil:
		writePage(cw, r, pageNotFound(r.URL.Path))
	default:
		worker = s.forward(cw, r, rt)
	}
	if rt != nil {
		s.report(rt, r, cw, body, worker)
	}
}

// report publishes the request's access event, and the line that explains a
// response cut off by its worker; a cut response is then aborted, so the client
// never takes it for a complete one.
func (s *Server) report(rt *route, r *http.Request, cw *countingWriter, body *keptBody, worker int) {
	status := cw.status()
	switch {
	case cw.broken != nil:
		status = fcgi.StatusFor(cw.broken)
		s.bus.Publish(event.Event{App: rt.cfg.Name, Kind: event.KindLog, Source: event.SourceZoo,
			Level: event.LevelError, Worker: worker,
			Text: fmt.Sprintf("%s %s: %d from worker %d: response cut off: %v", r.Method, r.RequestURI, status, worker, cw.broken)})
	case cw.gone || !cw.wrote && r.Context().Err() != nil:
		status = fcgi.StatusClientClosed // the client went away before the answer was done
	}
	s.bus.Publish(event.Event{App: rt.cfg.Name, Kind: event.KindRequest, Request: cw.info(r, body, status, worker)})
	if cw.broken != nil {
		panic(http.ErrAbortHandler)
	}
}

// forward waits for a serving generation (bounded by the app's start timeout) and
// sends the request to it; it answers with a page when it cannot. It returns the pid
// of the worker that served the request or failed it, 0 when none was reached.
func (s *Server) forward(w *countingWriter, r *http.Request, rt *route) int {
	r, cleanup := s.takeBody(w, r)
	if r == nil {
		return 0
	}
	defer cleanup()
	var deadline <-chan time.Time // made when the first wait begins
	start := time.Now()
	for {
		snap := rt.snapshot()
		switch {
		case snap.pool != nil && snap.status.ReloadErr != "" && isNavigation(r):
			writePage(w, r, pageReloadFailed(rt, snap.status, s.live.script(rt.cfg.Name)))
			return 0
		case snap.pool != nil:
			lw := s.live.wrap(w.ResponseWriter, r, rt.cfg.Name) // under the counting, so the access event counts the app's bytes
			w.ResponseWriter = lw
			res := snap.pool.forward(w, r, rt.prefix, func(pid int, line string) {
				w.addStderr(line)
				s.bus.Publish(event.Event{App: rt.cfg.Name, Kind: event.KindLog, Source: event.SourceStderr, Worker: pid, Text: line})
			})
			lw.finish(res.Err == nil)
			w.ResponseWriter = lw.ResponseWriter // zoo-dev's own pages below carry their script themselves
			w.wait = res.Wait
			if res.Started && res.Err != nil {
				if fcgi.StatusFor(res.Err) == fcgi.StatusClientClosed {
					w.gone = true
				} else {
					w.broken = res.Err // the worker failed mid-response
				}
			}
			if res.Err == nil || res.Started {
				return res.Backend
			}
			if !retryable(res.Err) {
				pid := backendOf(res.Err)
				s.logFailure(rt, r, res.Status, pid, res.Err)
				writePage(w, r, pageForError(rt, r, res, snap, start))
				return pid
			}
		case snap.status.State == event.StateFailed:
			writePage(w, r, pageFailed(rt, snap.status))
			return 0
		case snap.status.State == event.StateDeploying && snap.status.Deploy != nil &&
			r.Method == http.MethodGet && !w.wrote:
			// The deploy page streams, then the request goes on to the app: the app's
			// answer follows the deploy output for plain clients; browsers reload.
			if !s.streamDeploy(w, r, rt, snap.status.Deploy) || prefersHTML(r) {
				return 0
			}
			continue
		}
		if deadline == nil {
			t := time.NewTimer(rt.cfg.StartTimeout)
			defer t.Stop()
			deadline = t.C
		}
		if !waitChange(r.Context(), snap.changed, deadline) {
			if r.Context().Err() == nil && !w.wrote {
				writePage(w, r, pageNotReady(rt, snap.status))
			}
			return 0
		}
	}
}

// retryable errors happened before the request reached a worker: the generation was
// retired or lost its workers in between. The request waits for the next one. An
// error that names a worker reached it, and a request is never sent twice.
func retryable(err error) bool {
	return backendOf(err) == 0 && (errors.Is(err, fcgi.ErrPoolClosed) || errors.Is(err, fcgi.ErrNoBackend))
}

// waitChange waits for the route to change; false when the deadline passed or the
// client went away.
func waitChange(ctx context.Context, changed <-chan struct{}, deadline <-chan time.Time) bool {
	select {
	case <-changed:
		return true
	case <-deadline:
		return false
	case <-ctx.Done():
		return false
	}
}

// backendOf is the pid of the worker an error came from, 0 when unknown.
func backendOf(err error) int {
	var be *fcgi.BackendError
	if errors.As(err, &be) {
		return be.ID
	}
	return 0
}

// busWriter turns net/http's own log lines into zoo-dev warnings, so they never
// write over the dashboard.
type busWriter struct{ bus *event.Bus }

func (b busWriter) Write(p []byte) (int, error) {
	b.bus.Publish(event.Event{App: event.Site, Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelWarn,
		Text: "http: " + strings.TrimRight(string(p), "\n")})
	return len(p), nil
}
