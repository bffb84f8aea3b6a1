package fcgi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Do sends req to the worker with the fewest requests in flight that has a
// free slot, waiting (bounded by ctx) while all are busy, and returns once the
// response header has arrived. The caller must read Body to io.EOF or close it.
// Cancelling ctx closes the connection, at any point.
func (p *Pool) Do(ctx context.Context, req *Request) (*Response, error) {
	if err := checkParams(req.Params); err != nil {
		return nil, err
	}
	body, n, cleanup, err := requestBody(req)
	if err != nil {
		return nil, err
	}
	return p.try(ctx, req, body, n, cleanup)
}

// try runs the request on a slot of the least busy worker.
func (p *Pool) try(ctx context.Context, req *Request, body io.Reader, n int64, cleanup func()) (*Response, error) {
	began := time.Now()
	be, err := p.acquire(ctx)
	wait := time.Since(began)
	if err != nil {
		cleanup()
		return nil, err
	}
	x, err := p.start(ctx, be, req, n)
	if err != nil {
		cleanup()
		return nil, err
	}
	if n > 0 {
		x.startStdin(body, n, cleanup)
	} else {
		cleanup()
	}
	code, h, err := x.readHeader(p.opts.MaxHeaderBytes)
	if err != nil {
		if x.err == nil {
			x.fail(err)
		}
		return nil, &BackendError{ID: be.ID, Err: err}
	}
	return &Response{StatusCode: code, Header: h, Body: x, Backend: be.ID, Wait: wait, x: x}, nil
}

// start opens the exchange on a connection of be and writes the request's
// head; a reused connection that fails there is replaced once by a new one.
func (p *Pool) start(ctx context.Context, be *backend, req *Request, n int64) (*exchange, error) {
	c, err := p.conn(ctx, be, false)
	for attempt := 0; ; attempt++ {
		if err != nil {
			p.put(be, nil, false, err)
			return nil, &BackendError{ID: be.ID, Err: err}
		}
		x := newExchange(p, ctx, c, req.Stderr)
		c.rd.beforeRead = req.BeforeWait
		if err = x.writeRequest(req.Params, n); err == nil {
			return x, nil
		}
		x.stop()
		p.discard(c)
		if c.uses > 1 && attempt == 0 && ctx.Err() == nil && !errors.Is(err, ErrPoolClosed) {
			p.mu.Lock()
			be.Retries++
			p.mu.Unlock()
			c, err = p.conn(ctx, be, true)
			continue
		}
		p.put(be, nil, false, err)
		return nil, &BackendError{ID: be.ID, Err: err}
	}
}

func (p *Pool) pick() *backend {
	var best *backend
	n := len(p.backends)
	for i := 0; i < n; i++ {
		be := p.backends[(p.next+i)%n]
		if be.InFlight < be.max && (best == nil || be.InFlight < best.InFlight) {
			best = be
		}
	}
	p.next = (p.next + 1) % n
	return best
}

// conn returns a live idle connection of be, or dials a new one.
func (p *Pool) conn(ctx context.Context, be *backend, fresh bool) (*conn, error) {
	p.mu.Lock()
	for !fresh && len(be.idle) > 0 {
		c := be.idle[len(be.idle)-1]
		be.idle = be.idle[:len(be.idle)-1]
		p.mu.Unlock()
		if alive(c.nc) {
			return c, nil
		}
		c.close()
		p.mu.Lock()
		be.drop(c)
		be.foundClosed++
	}
	for len(be.conns) >= be.max && len(be.idle) > 0 {
		// A fresh connection must not pass max: each kept one holds a worker thread.
		old := be.idle[0]
		be.idle = be.idle[1:]
		old.close()
		be.drop(old)
	}
	c := &conn{be: be} // holds the place while dialing, so Open never passes max
	be.conns = append(be.conns, c)
	p.mu.Unlock()

	d := net.Dialer{Timeout: p.opts.DialTimeout}
	nc, err := d.DialContext(ctx, be.network, be.address)
	p.mu.Lock()
	defer p.mu.Unlock()
	be.drop(c)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("dial %s: %w", be.address, ctx.Err())
		}
		return nil, fmt.Errorf("dial %s: %w: %w", be.address, ErrDial, err)
	}
	c = newConn(nc, be, &p.opts)
	be.conns = append(be.conns, c)
	if p.closed {
		nc.Close()
	}
	return c, nil
}

// put gives back the slot of a finished request and, when reuse allows, its
// connection; c is nil when no connection was made.
func (p *Pool) put(be *backend, c *conn, reuse bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.release(be)
	switch {
	case err == nil:
		be.Served++
		if c != nil && c.uses > 1 {
			be.reusedOK++
		}
	case StatusFor(err) != StatusClientClosed:
		be.Errors++
	}
	if c != nil {
		if reuse && !be.removed && !p.closed && be.keepConns && be.keeps() {
			be.idle = append(be.idle, c)
		} else {
			c.close()
			be.drop(c)
		}
	}
}

// discard closes a connection that failed before its request started.
func (p *Pool) discard(c *conn) {
	c.close()
	p.mu.Lock()
	c.be.drop(c)
	p.mu.Unlock()
}
