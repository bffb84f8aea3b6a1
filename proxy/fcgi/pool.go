package fcgi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/notify"
)

// Options tune a Pool; zero fields take the defaults.
type Options struct {
	DialTimeout      time.Duration // connecting to a worker; default 5s
	FirstByteTimeout time.Duration // from the last byte sent to the first byte back; default 60s
	IdleTimeout      time.Duration // between two reads or writes; default 60s
	MaxHeaderBytes   int           // response header cap; default 64 KiB
	QueueTimeout     time.Duration // waiting for a free slot when all are busy (ErrBusy after); 0 = until ctx ends
}

func (o Options) withDefaults() Options {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.FirstByteTimeout <= 0 {
		o.FirstByteTimeout = 60 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 64 << 10
	}
	return o
}

// Request is one FastCGI request.
type Request struct {
	Params []Param // CONTENT_LENGTH among them is replaced by the real length
	Body   io.Reader
	// ContentLength is the body's length: 0 means no body, -1 unknown (the
	// body is spooled first, to memory up to 1 MiB, then to a temp file).
	ContentLength int64
	Stderr        func(worker int, line string) // each STDERR line as it arrives, with the worker id; may be nil
	// BeforeWait, when set, runs before each read from the worker's connection,
	// which may wait: the moment to flush what has been written to the client.
	BeforeWait func()
}

// Response is the worker's answer. Body streams the rest of STDOUT; reading it
// to io.EOF or closing it frees the slot; the connection goes back to the
// pool only after a clean END_REQUEST.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       io.ReadCloser
	Backend    int           // the worker's id
	Wait       time.Duration // how long the request waited for a free slot
	x          *exchange
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// StdinDone is closed once nothing reads the request body any more. A caller
// whose body must not be read after it returns (an http.Handler) waits for it.
func (r *Response) StdinDone() <-chan struct{} {
	if r.x == nil || r.x.stdin == nil {
		return closedChan
	}
	return r.x.stdin
}

// BackendStats is a snapshot of one worker's slots and connections.
type BackendStats struct {
	ID       int
	InFlight int    // requests holding a slot
	Served   uint64 // requests that ended cleanly
	Errors   uint64 // requests that failed on the worker's side
	Retries  uint64 // dead reused connections replaced at the first write
	Open     int    // connections open, idle included
	Idle     int    // connections waiting for reuse
}

// backend is one worker: at most max connections, one request each.
type backend struct {
	BackendStats
	network, address string
	max              int
	conns            []*conn // every open connection
	idle             []*conn // the reusable ones, most recent last
	removed          bool
	reusedOK         int  // kept connections that served another request
	foundClosed      int  // kept connections the worker had closed by their next use
	keepConns        bool // the worker honours FCGI_KEEP_CONN: connections are reused
	token            string
}

// keeps reports whether connections of the worker are worth keeping: not once
// it has closed kept ones on more than one reuse in five (uWSGI closes after
// every response).
func (be *backend) keeps() bool {
	return be.foundClosed == 0 || be.foundClosed*4 < be.reusedOK
}

// Pool is a bounded FastCGI connection pool for one generation of workers.
// It is safe for concurrent use.
type Pool struct {
	opts Options

	mu       sync.Mutex
	backends []*backend
	next     int       // where the next pick starts, to spread ties
	inflight int       // slots taken, over all backends
	waiters  []*waiter // requests waiting for a slot, oldest first
	idle     notify.Signal
	closed   bool
	draining bool
}

// NewPool returns an empty pool; Add its workers.
func NewPool(opts Options) *Pool {
	return &Pool{opts: opts.withDefaults()}
}

// Add registers a worker (id is its pid) that serves maxConns requests at once.
// keepConns says it honours FCGI_KEEP_CONN, as zoo-dev's own worker does; the
// connections of one that does not (uWSGI closes after every response) are
// never reused, since a request that races that close would fail.
func (p *Pool) Add(id int, network, address string, maxConns int, keepConns bool) {
	p.AddBackend(Backend{ID: id, Network: network, Address: address, MaxConns: maxConns, KeepConns: keepConns})
}

// Backend is a worker as Add knows it, plus the secret it wants.
type Backend struct {
	ID               int
	Network, Address string
	MaxConns         int
	KeepConns        bool
	// Token, when set, is sent as the TokenParam param with every request: a worker on a
	// TCP port runs the app only for requests that carry its secret.
	Token string
}

// AddBackend registers a worker, as Add does.
func (p *Pool) AddBackend(b Backend) {
	p.mu.Lock()
	defer p.mu.Unlock()
	be := &backend{network: b.Network, address: b.Address, max: max(1, b.MaxConns), keepConns: b.KeepConns, token: b.Token}
	be.ID = b.ID
	p.backends = append(p.backends, be)
	p.dispatch()
}

// Remove stops sending new requests to the worker and closes its idle
// connections; requests in flight finish, then their connections close.
func (p *Pool) Remove(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, be := range p.backends {
		if be.ID == id {
			be.removed = true
			be.closeIdle()
			p.backends = append(p.backends[:i], p.backends[i+1:]...)
			if len(p.backends) == 0 {
				p.failWaiters(ErrNoBackend)
			}
			return
		}
	}
}

// Stats returns a snapshot of every current worker.
func (p *Pool) Stats() []BackendStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]BackendStats, len(p.backends))
	for i, be := range p.backends {
		out[i] = be.BackendStats
		out[i].Open, out[i].Idle = len(be.conns), len(be.idle)
	}
	return out
}

// Drain stops taking new requests and waits until none is in flight.
func (p *Pool) Drain(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draining = true
	p.failWaiters(ErrPoolClosed)
	for p.inflight > 0 {
		idle := p.idle.C()
		p.mu.Unlock()
		select {
		case <-idle:
			p.mu.Lock()
		case <-ctx.Done():
			p.mu.Lock()
			return fmt.Errorf("drain fcgi pool: %w", ctx.Err())
		}
	}
	return nil
}

// Close closes every connection now, in flight or idle; waiting and later
// requests fail with ErrPoolClosed.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, be := range p.backends {
		for _, c := range be.conns {
			if c.nc != nil { // nil while dialing
				c.nc.Close()
			}
		}
		be.idle = be.idle[:0]
	}
	p.failWaiters(ErrPoolClosed)
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Slots: each worker serves at most max requests at once. A request takes a slot
// on the least busy worker; when none is free it joins the queue of waiters, and
// every slot that frees goes straight to the waiter at the head, which holds it
// from then on. So requests get slots in the order they came, and a new request
// never takes a slot while others wait.

// waiter is a request in the queue. grant receives, once, the worker whose slot
// it now holds, or the error that ends its wait.
type waiter struct{ grant chan grant }

type grant struct {
	be  *backend
	err error
}

// acquire takes a slot, waiting at most Options.QueueTimeout (when set) or until
// ctx is done.
func (p *Pool) acquire(ctx context.Context) (*backend, error) {
	p.mu.Lock()
	switch {
	case p.closed || p.draining:
		p.mu.Unlock()
		return nil, ErrPoolClosed
	case len(p.backends) == 0:
		p.mu.Unlock()
		return nil, ErrNoBackend
	}
	if len(p.waiters) == 0 {
		if be := p.pick(); be != nil {
			p.take(be)
			p.mu.Unlock()
			return be, nil
		}
	}
	w := &waiter{grant: make(chan grant, 1)}
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()

	var expired <-chan time.Time
	if p.opts.QueueTimeout > 0 {
		t := time.NewTimer(p.opts.QueueTimeout)
		defer t.Stop()
		expired = t.C
	}
	err := ErrBusy // the queue timeout, or ctx's deadline: the workers are busy
	select {
	case g := <-w.grant:
		return g.be, g.err
	case <-expired:
	case <-ctx.Done():
		if err = ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
			err = ErrBusy
		}
	}
	p.giveUp(w)
	return nil, fmt.Errorf("wait for a free worker: %w", err)
}

// giveUp takes w out of the queue; a slot it was granted meanwhile goes on to the
// next waiter.
func (p *Pool) giveUp(w *waiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.waiters, w); i >= 0 {
		p.waiters = slices.Delete(p.waiters, i, i+1)
		return
	}
	if g := <-w.grant; g.be != nil {
		p.release(g.be)
	}
}

func (p *Pool) take(be *backend) {
	be.InFlight++
	p.inflight++
}

// release frees a slot of be: the first waiter gets it, if any.
func (p *Pool) release(be *backend) {
	be.InFlight--
	p.inflight--
	p.dispatch()
	if p.inflight == 0 {
		p.idle.Notify()
	}
}

// dispatch hands free slots to the waiters at the head of the queue.
func (p *Pool) dispatch() {
	for len(p.waiters) > 0 {
		be := p.pick()
		if be == nil {
			return
		}
		p.take(be)
		p.waiters[0].grant <- grant{be: be}
		p.waiters = p.waiters[1:]
	}
}

// failWaiters ends every wait with err.
func (p *Pool) failWaiters(err error) {
	for _, w := range p.waiters {
		w.grant <- grant{err: err}
	}
	p.waiters = nil
}

func (be *backend) closeIdle() {
	for _, c := range be.idle {
		c.close()
		be.drop(c)
	}
	be.idle = be.idle[:0]
}

// drop forgets a closed connection.
func (be *backend) drop(c *conn) {
	for i, o := range be.conns {
		if o == c {
			be.conns[i] = be.conns[len(be.conns)-1]
			be.conns = be.conns[:len(be.conns)-1]
			return
		}
	}
}
