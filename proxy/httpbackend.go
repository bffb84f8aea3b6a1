package proxy

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// httpPool sends one generation's requests to the processes of an http engine
// (uvicorn, runserver, a Node server) with the standard library's reverse proxy:
// bodies stream both ways, a streamed or event-stream response is flushed as each
// chunk arrives, upgrades (WebSocket) pass through, and the X-Forwarded-For, -Host
// and -Proto headers tell the app who asked. The path reaches the app unchanged,
// mount prefix included, as IIS's HttpPlatformHandler sends it. It fails with the
// FastCGI pool's errors, so both get the same pages and statuses.
type httpPool struct {
	tr     *http.Transport
	ctx    context.Context // canceled by Close: ends the requests in flight
	cancel context.CancelFunc

	mu       sync.Mutex
	backends []*httpBackend
	next     int // where the next pick starts, to spread ties
	inflight int
	draining bool
	wake     chan struct{} // closed and replaced when inflight drops or the state changes
}

type httpBackend struct {
	fcgi.BackendStats
	address string
}

func newHTTPPool(opts fcgi.Options) *httpPool {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &http.Transport{
		Proxy:                 nil, // loopback: never through the environment's proxy
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		ResponseHeaderTimeout: opts.FirstByteTimeout,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true, // the client's Accept-Encoding goes through as it is
	}
	return &httpPool{tr: tr, ctx: ctx, cancel: cancel, wake: make(chan struct{})}
}

// AddBackend registers a process listening on b.Address; an HTTP server takes as
// many requests at once as it is sent, so MaxConns and KeepConns do not apply.
func (p *httpPool) AddBackend(b fcgi.Backend) {
	p.mu.Lock()
	defer p.mu.Unlock()
	be := &httpBackend{address: b.Address}
	be.ID = b.ID
	p.backends = append(p.backends, be)
}

func (p *httpPool) Remove(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, be := range p.backends {
		if be.ID == id {
			p.backends = append(p.backends[:i], p.backends[i+1:]...)
			return
		}
	}
}

func (p *httpPool) Stats() []fcgi.BackendStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]fcgi.BackendStats, len(p.backends))
	for i, be := range p.backends {
		out[i] = be.BackendStats
	}
	return out
}

func (p *httpPool) Drain(ctx context.Context) error {
	p.mu.Lock()
	p.draining = true
	for p.inflight > 0 {
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return fmt.Errorf("drain http pool: %w", ctx.Err())
		}
		p.mu.Lock()
	}
	p.mu.Unlock()
	return nil
}

func (p *httpPool) Close() {
	p.mu.Lock()
	p.draining = true
	p.mu.Unlock()
	p.cancel()
	p.tr.CloseIdleConnections()
}

// pick takes the process with the fewest requests in flight.
func (p *httpPool) pick() (*httpBackend, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.draining {
		return nil, fcgi.ErrPoolClosed
	}
	var best *httpBackend
	for i := range p.backends {
		be := p.backends[(p.next+i)%len(p.backends)]
		if best == nil || be.InFlight < best.InFlight {
			best = be
		}
	}
	if best == nil {
		return nil, fcgi.ErrNoBackend
	}
	p.next++
	best.InFlight++
	p.inflight++
	return best, nil
}

func (p *httpPool) release(be *httpBackend, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	be.InFlight--
	p.inflight--
	if err == nil {
		be.Served++
	} else if !errors.Is(err, fcgi.ErrClientGone) {
		be.Errors++
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

// forward proxies r to one process. The prefix and stderr callback serve FastCGI
// only: an http engine's stderr is its process's, already in the log.
func (p *httpPool) forward(w *countingWriter, r *http.Request, _ string, _ func(int, string)) (res fcgi.Result) {
	be, err := p.pick()
	if err != nil {
		return fcgi.Result{Status: fcgi.StatusFor(err), Err: err}
	}
	res.Backend = be.ID
	defer func() { p.release(be, res.Err) }()
	http.NewResponseController(w).EnableFullDuplex() // the body may still arrive while the answer streams
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(p.ctx, cancel)()
	var x exchange
	defer func() {
		if v := recover(); v != nil { // the copy of the response body failed
			if v != http.ErrAbortHandler {
				panic(v)
			}
			res.Err = p.cutOff(be, r, x.said.text())
		}
		if x.upstream == http.StatusSwitchingProtocols && !w.wrote { // a hijacked upgrade
			w.code, w.wrote = x.upstream, true
		}
		res.Started, res.Bytes = w.wrote, w.n
		if w.wrote {
			res.Status = w.status()
		}
	}()
	x.proxy(p.tr, be.address).ServeHTTP(finalOnly{w}, r.WithContext(ctx))
	if x.failed != nil {
		res.Err = p.failure(be, r, x.failed)
		if !w.wrote {
			res.Status = fcgi.StatusFor(res.Err)
		}
	}
	return res
}

// exchange is what the reverse proxy reports of one request.
type exchange struct {
	failed   error    // no answer, or the answer's header could not be read
	upstream int      // the process's status
	said     lastLine // the proxy's last log line: why a body copy stopped
}

// proxy is a reverse proxy to address that reports to x. The client's Host goes
// through unchanged, as IIS forwards it.
func (x *exchange) proxy(tr http.RoundTripper, address string) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", address
			pr.SetXForwarded()
		},
		ModifyResponse: func(resp *http.Response) error { x.upstream = resp.StatusCode; return nil },
		ErrorHandler:   func(_ http.ResponseWriter, _ *http.Request, err error) { x.failed = err },
		ErrorLog:       log.New(&x.said, "", 0),
	}
}

// cutOff names why a response stopped after its header: the reverse proxy logs a
// failed read from the process, and says nothing of a failed write to the client.
func (p *httpPool) cutOff(be *httpBackend, r *http.Request, logged string) error {
	if logged == "" || r.Context().Err() != nil {
		return &httpError{fcgi.ErrClientGone, errors.New("write response: the client went away")}
	}
	return p.failure(be, r, errors.New(logged))
}

// failure names what went wrong with a request to be, as the FastCGI pool's error
// of the same kind, so it maps to the same status and page.
func (p *httpPool) failure(be *httpBackend, r *http.Request, err error) error {
	var op *net.OpError
	var ne net.Error
	kind := fcgi.ErrBackendClosed
	switch {
	case r.Context().Err() != nil:
		return &httpError{fcgi.ErrClientGone, err}
	case p.ctx.Err() != nil:
		kind = fcgi.ErrPoolClosed // retired with the request still running
	case errors.As(err, &op) && op.Op == "dial":
		kind = fcgi.ErrDial
	case errors.As(err, &ne) && ne.Timeout():
		kind = fcgi.ErrTimeout
	}
	return &fcgi.BackendError{ID: be.ID, Err: &httpError{kind, err}}
}

// httpError reads as what net/http said and matches the fcgi error of its kind.
type httpError struct{ kind, err error }

func (e *httpError) Error() string   { return e.err.Error() }
func (e *httpError) Unwrap() []error { return []error{e.kind, e.err} }

// finalOnly keeps informational (1xx) statuses from the response: the countingWriter
// takes the first status it sees as the final one.
type finalOnly struct{ *countingWriter }

func (f finalOnly) WriteHeader(code int) {
	if code >= 200 {
		f.countingWriter.WriteHeader(code)
	}
}

// lastLine keeps the reverse proxy's last log line: why a response was cut off.
type lastLine struct {
	mu   sync.Mutex
	line string
}

func (l *lastLine) Write(b []byte) (int, error) {
	l.mu.Lock()
	l.line = strings.TrimSpace(strings.TrimPrefix(string(b), "httputil: "))
	l.mu.Unlock()
	return len(b), nil
}

func (l *lastLine) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.line
}
