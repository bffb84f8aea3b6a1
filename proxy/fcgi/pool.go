package fcgi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
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
	next     int             // where the next pick starts, to spread ties
	inflight int             // over all backends
	queue    []chan struct{} // requests waiting for a slot, oldest first; a freed slot is handed to the first
	handed   int             // slots handed to waiters that have not taken them yet
	wake     chan struct{}   // closed and replaced when the backends or the pool's state change
	drainers int             // Drain calls waiting on wake
	closed   bool
	draining bool
}

// NewPool returns an empty pool; Add its workers.
func NewPool(opts Options) *Pool {
	return &Pool{opts: opts.withDefaults(), wake: make(chan struct{})}
}

// Add registers a worker (id is its pid) that serves maxConns requests at once.
// keepConns says it honours FCGI_KEEP_CONN, as zoo-dev's own worker does; the
// connections of one that does not (uWSGI closes after every response) are
// never reused, since a request that races that close would fail.
func (p *Pool) Add(id int, network, address string, maxConns int, keepConns bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	be := &backend{network: network, address: address, max: max(1, maxConns), keepConns: keepConns}
	be.ID = id
	p.backends = append(p.backends, be)
	p.broadcast()
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
			p.broadcast()
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
	p.draining = true
	p.broadcast()
	for p.inflight > 0 {
		if err := p.waitChange(ctx); err != nil {
			p.mu.Unlock()
			return fmt.Errorf("drain fcgi pool: %w", err)
		}
	}
	p.mu.Unlock()
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
	p.broadcast()
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// waitSlot releases p.mu until a slot is handed to this request, the pool
// changes, ctx ends or queue fires; p.mu is held on return. handed reports a
// slot that is this request's to take.
func (p *Pool) waitSlot(ctx context.Context, queue <-chan time.Time) (handed bool, err error) {
	ch := make(chan struct{}, 1)
	p.queue = append(p.queue, ch)
	p.handOut() // a slot may be free that was not for those ahead
	wake := p.wake
	p.mu.Unlock()
	select {
	case <-ch:
		handed = true
	case <-wake:
	case <-ctx.Done():
		err = ctx.Err()
	case <-queue:
		err = context.DeadlineExceeded
	}
	p.mu.Lock()
	if !handed {
		select {
		case <-ch: // handed a slot while something else woke it
			handed = true
		default:
			p.leaveQueue(ch)
		}
	}
	if handed {
		p.handed--
	}
	return handed, err
}

func (p *Pool) leaveQueue(ch chan struct{}) {
	for i, c := range p.queue {
		if c == ch {
			p.queue = append(p.queue[:i], p.queue[i+1:]...)
			return
		}
	}
}

// handOut hands the free slots nobody was given yet to the requests that have
// waited longest, one each.
func (p *Pool) handOut() {
	if len(p.queue) == 0 {
		return
	}
	free := 0
	for _, be := range p.backends {
		free += max(0, be.max-be.InFlight)
	}
	for ; free > p.handed && len(p.queue) > 0; p.handed++ {
		p.queue[0] <- struct{}{}
		p.queue = p.queue[1:]
	}
}

// waitChange releases p.mu until the next broadcast or ctx's end; p.mu is held on return.
func (p *Pool) waitChange(ctx context.Context) error {
	wake := p.wake
	p.drainers++
	p.mu.Unlock()
	var err error
	select {
	case <-wake:
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.mu.Lock()
	p.drainers--
	return err
}

// broadcast wakes every waiter: the backends or the pool's state changed.
func (p *Pool) broadcast() {
	if len(p.queue) > 0 || p.drainers > 0 {
		close(p.wake)
		p.wake = make(chan struct{})
	}
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
