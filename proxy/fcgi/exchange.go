package fcgi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// exchange is one request on one connection: it sends the request, reads the
// response records, and is the Response body. It gives the connection back to
// the pool only after a clean END_REQUEST; any other ending closes it.
type exchange struct {
	pool   *Pool
	c      *conn
	ctx    context.Context
	stop   func() bool // unregisters the cancel hook; false once it fired
	stderr lineSplitter

	leftover []byte // body bytes that arrived with the header
	remain   int    // unread content of the current STDOUT record
	pad      int    // padding after the current record
	ended    bool   // END_REQUEST read
	status   byte   // its protocolStatus
	err      error  // sticky: io.EOF after END_REQUEST, else the failure

	stdin     chan struct{} // closed when the STDIN writer exits; nil without one
	stdinLast atomic.Bool   // the writer holds the whole body and sends the last record
	stdinErr  error         // valid once stdin is closed

	mu       sync.Mutex  // orders release against abort
	released bool        // the slot and the connection went back to the pool
	aborted  atomic.Bool // the client failed: the connection was closed under the reader
}

func newExchange(p *Pool, ctx context.Context, c *conn, stderr func(int, string)) *exchange {
	c.rd.reset()
	c.uses++
	x := &exchange{pool: p, c: c, ctx: ctx}
	x.stderr.fn, x.stderr.worker = stderr, c.be.ID
	nc := c.nc
	x.stop = context.AfterFunc(ctx, func() { nc.Close() })
	return x
}

// writeRequest sends BEGIN_REQUEST, PARAMS and the empty PARAMS record in one write.
func (x *exchange) writeRequest(params []Param, length int64) error {
	b, err := appendRequest(x.c.wbuf[:0], params, length, x.c.be.token)
	x.c.wbuf = b[:0]
	if err != nil {
		return err
	}
	x.c.nc.SetWriteDeadline(time.Now().Add(x.pool.opts.IdleTimeout))
	if _, err := x.c.nc.Write(b); err != nil {
		return x.classify("send request", err)
	}
	return nil
}

// startStdin streams n bytes of body as STDIN records while the response is read.
func (x *exchange) startStdin(body io.Reader, n int64, cleanup func()) {
	x.stdin = make(chan struct{})
	go func() {
		err := x.copyStdin(body, n)
		cleanup()
		x.stdinErr = err
		close(x.stdin)
		if err != nil {
			x.c.nc.Close()
		}
	}()
}

func (x *exchange) copyStdin(body io.Reader, n int64) error {
	const size = headerLen + stdinChunk + 2*headerLen
	if cap(x.c.wbuf) < size {
		x.c.wbuf = make([]byte, 0, size)
	}
	buf := x.c.wbuf[:size]
	for n > 0 {
		m, err := body.Read(buf[headerLen : headerLen+int(min(n, stdinChunk))])
		if m > 0 {
			n -= int64(m)
			appendHeader(buf[:0], typeStdin, m, padFor(m))
			rec := append(buf[:headerLen+m], zeros[:padFor(m)]...)
			if n == 0 {
				x.stdinLast.Store(true)
				rec = appendHeader(rec, typeStdin, 0, 0)
			}
			x.c.nc.SetWriteDeadline(time.Now().Add(x.pool.opts.IdleTimeout))
			if _, werr := x.c.nc.Write(rec); werr != nil {
				return x.classify("send request body", werr)
			}
			x.c.rd.sent()
		}
		if err == io.EOF && n > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%w: %w", ErrRequestBody, err)
		}
	}
	return nil
}

// classify wraps a socket error with the sentinel that says what happened.
func (x *exchange) classify(op string, err error) error {
	switch {
	case x.aborted.Load():
		return fmt.Errorf("%s: %w", op, ErrClientGone)
	case x.ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, x.ctx.Err())
	case x.pool.isClosed():
		return fmt.Errorf("%s: %w", op, ErrPoolClosed)
	case errors.Is(err, os.ErrDeadlineExceeded) && !x.c.rd.started.Load():
		return fmt.Errorf("%s: no answer within %s: %w", op, x.c.rd.first, ErrTimeout)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%s: nothing for %s: %w", op, x.c.rd.idle, ErrTimeout)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: %w", op, ErrBackendClosed)
	default:
		return fmt.Errorf("%s: %w: %w", op, ErrBackendClosed, err)
	}
}

// readErr explains a failed read, preferring the STDIN writer's own error
// when it is the one that closed the connection.
func (x *exchange) readErr(err error) error {
	if errors.Is(err, net.ErrClosed) && x.stdin != nil && x.ctx.Err() == nil && !x.pool.isClosed() {
		<-x.stdin
		if x.stdinErr != nil {
			return x.stdinErr
		}
	}
	return x.classify("read response", err)
}

// advance reads records until STDOUT content is pending or the request ended.
func (x *exchange) advance() error {
	br := x.c.br
	for x.remain == 0 {
		if x.ended {
			return io.EOF
		}
		if _, err := br.Discard(x.pad); err != nil {
			return x.readErr(err)
		}
		x.pad = 0
		h, err := br.Peek(headerLen)
		if err != nil {
			return x.readErr(err)
		}
		version, typ, id := h[0], h[1], int(h[2])<<8|int(h[3])
		clen, pad := int(h[4])<<8|int(h[5]), int(h[6])
		br.Discard(headerLen)
		if version != 1 || (id != requestID && id != 0) {
			return fmt.Errorf("%w: record version %d, request id %d", ErrBadResponse, version, id)
		}
		switch {
		case id == 0: // a management record; nothing we asked for
			x.pad = clen + pad
		case typ == typeStdout:
			x.remain, x.pad = clen, pad
		case typ == typeStderr:
			b, err := br.Peek(clen)
			if err != nil {
				return x.readErr(err)
			}
			x.stderr.write(b)
			x.pad = clen + pad
		case typ == typeEndRequest && clen >= 8:
			b, err := br.Peek(clen)
			if err != nil {
				return x.readErr(err)
			}
			x.status = b[4]
			if _, err := br.Discard(clen + pad); err != nil {
				return x.readErr(err)
			}
			x.ended = true
			return io.EOF
		default:
			return fmt.Errorf("%w: unexpected record type %d", ErrBadResponse, typ)
		}
	}
	return nil
}

// readStdout reads response bytes from STDOUT records.
func (x *exchange) readStdout(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	if x.remain == 0 {
		if err := x.advance(); err != nil {
			return 0, x.fail(err)
		}
	}
	if len(p) > x.remain {
		p = p[:x.remain]
	}
	n, err := x.c.br.Read(p)
	x.remain -= n
	if err != nil {
		return n, x.fail(x.readErr(err))
	}
	return n, nil
}

// fail ends the exchange: io.EOF at END_REQUEST gives the connection back
// when everything was clean; any other error closes it.
func (x *exchange) fail(err error) error {
	x.err = err
	if err == io.EOF {
		x.stderr.flush()
		reuse := x.status == 0 && x.c.br.Buffered() == 0 && x.stdinClean()
		x.release(reuse, nil)
		if x.status != 0 {
			x.err = fmt.Errorf("%w: request rejected, protocol status %d", ErrBadResponse, x.status)
		}
		return x.err
	}
	x.stderr.flush()
	x.release(false, err)
	return err
}

// stdinClean reports whether the whole body went out; it waits only for a
// writer that already holds the last byte.
func (x *exchange) stdinClean() bool {
	if x.stdin == nil {
		return true
	}
	select {
	case <-x.stdin:
		return x.stdinErr == nil
	default:
	}
	if !x.stdinLast.Load() {
		return false
	}
	<-x.stdin
	return x.stdinErr == nil
}

func (x *exchange) release(reuse bool, err error) {
	x.mu.Lock()
	done := x.released
	x.released = true
	x.mu.Unlock()
	if done {
		return
	}
	if !x.stop() || x.aborted.Load() {
		reuse = false
	}
	x.c.rd.beforeRead = nil
	x.pool.put(x.c.be, x.c, reuse, err)
}

// abort closes the connection under a reader that is still busy with the
// response, because the client failed; after release it does nothing, since the
// connection may serve another request by then.
func (x *exchange) abort() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.released {
		x.aborted.Store(true)
		x.c.nc.Close()
	}
}

// Read returns the response body.
func (x *exchange) Read(p []byte) (int, error) {
	if len(x.leftover) > 0 {
		n := copy(p, x.leftover)
		x.leftover = x.leftover[n:]
		return n, nil
	}
	return x.readStdout(p)
}

// Close ends the exchange; before END_REQUEST that closes the connection.
func (x *exchange) Close() error {
	if x.err == nil {
		x.err = errors.New("fcgi: response body closed")
		x.release(false, nil)
	}
	return nil
}
