package fcgi

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// conn is one connection to a worker with the buffers it keeps across requests.
type conn struct {
	nc   net.Conn
	be   *backend
	rd   deadlineReader
	br   *bufio.Reader // over rd; 64 KiB so a whole record can be peeked
	wbuf []byte        // params, then STDIN records
	hbuf []byte        // the response header; grows up to MaxHeaderBytes
	rb   *readBuf      // where br and hbuf came from
	uses int           // requests started on this connection
}

func newConn(nc net.Conn, be *backend, opts *Options) *conn {
	c := &conn{nc: nc, be: be, wbuf: make([]byte, 0, 4096)}
	c.rd = deadlineReader{nc: nc, first: opts.FirstByteTimeout, idle: opts.IdleTimeout}
	c.rb = readBufs.Get().(*readBuf)
	c.rb.br.Reset(&c.rd)
	c.br, c.hbuf = c.rb.br, c.rb.hbuf[:0]
	return c
}

// readBuf is the read side of a connection, recycled when it closes: a worker
// that closes after every response (uWSGI) would otherwise cost 68 KiB per request.
type readBuf struct {
	br   *bufio.Reader
	hbuf []byte
}

var readBufs = sync.Pool{New: func() any {
	return &readBuf{br: bufio.NewReaderSize(nil, 64<<10), hbuf: make([]byte, 0, 4096)}
}}

// close closes a connection no exchange is using and recycles its read side.
func (c *conn) close() {
	c.nc.Close()
	c.br.Reset(nil)
	c.rb.hbuf = c.hbuf[:0] // it may have grown
	readBufs.Put(c.rb)
	c.rb, c.br, c.hbuf = nil, nil, nil
}

// deadlineReader sets the read deadline before every read from the socket:
// the first-byte deadline until the response starts, then the idle deadline.
// beforeRead runs before each socket read, which is where the response
// writer flushes: everything read so far has been handed on.
type deadlineReader struct {
	nc          net.Conn
	first, idle time.Duration
	started     atomic.Bool
	beforeRead  func()
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	if r.beforeRead != nil {
		r.beforeRead()
	}
	d := r.idle
	if !r.started.Load() {
		d = r.first
	}
	r.nc.SetReadDeadline(time.Now().Add(d))
	n, err := r.nc.Read(p)
	if n > 0 && !r.started.Load() {
		r.started.Store(true)
	}
	return n, err
}

// reset prepares the reader for a new request on the same connection.
func (r *deadlineReader) reset() {
	r.started.Store(false)
	r.beforeRead = nil
}

// sent extends the first-byte deadline while the request is still being
// sent: a worker busy reading a large upload has not timed out.
func (r *deadlineReader) sent() {
	if !r.started.Load() {
		r.nc.SetReadDeadline(time.Now().Add(r.first))
	}
}
