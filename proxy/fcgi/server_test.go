package fcgi

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/fcgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// goServer is Go's net/http/fcgi serving a handler on a unix socket, with
// the connections counted on the server side.
type goServer struct {
	addr string
	ln   *countingListener
}

func startGoServer(t testing.TB, h http.Handler) *goServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "zf")
	if err != nil {
		t.Fatal(err)
	}
	addr := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	go fcgi.Serve(cl, h)
	t.Cleanup(func() {
		ln.Close()
		cl.closeAll()
		os.RemoveAll(dir)
	})
	return &goServer{addr: addr, ln: cl}
}

// pool returns a pool with this server as backend 1, closed at cleanup.
func (s *goServer) pool(t testing.TB, maxConns int, opts Options) *Pool {
	p := NewPool(opts)
	p.Add(1, "unix", s.addr, maxConns, true)
	t.Cleanup(p.Close)
	return p
}

type countingListener struct {
	net.Listener
	mu       sync.Mutex
	accepted int
	open     int
	maxOpen  int
	conns    []*trackedConn
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accepted++
	l.open++
	l.maxOpen = max(l.maxOpen, l.open)
	tc := &trackedConn{Conn: c, l: l}
	l.conns = append(l.conns, tc)
	return tc, nil
}

func (l *countingListener) counts() (accepted, open, maxOpen int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accepted, l.open, l.maxOpen
}

// poison shuts the reading side of every open connection and keeps the
// sockets open: the client's next write on them fails, its peek does not.
func (l *countingListener) poison() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.poisoned = true
		c.Conn.(*net.UnixConn).CloseRead()
	}
}

// dropOnNextRead makes every open connection close when the server next
// reads from it: the client's write succeeds, its read finds the close.
func (l *countingListener) dropOnNextRead() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.drop = true
	}
}

func (l *countingListener) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	l        *countingListener
	once     sync.Once
	poisoned bool
	drop     bool
}

func (c *trackedConn) Read(p []byte) (int, error) {
	c.l.mu.Lock()
	drop := c.drop
	c.l.mu.Unlock()
	if drop {
		c.Close()
		return 0, io.EOF
	}
	return c.Conn.Read(p)
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	poisoned := c.poisoned
	c.l.mu.Unlock()
	if poisoned {
		return nil // held open until cleanup
	}
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// front is an HTTP server that forwards everything through p, mounted at
// script, recording each Result.
type front struct {
	*httptest.Server
	mu      sync.Mutex
	results []Result
	stderr  []string
	done    chan Result // every Result, as each request ends
}

func startFront(t testing.TB, p *Pool, script string) *front {
	f := &front{done: make(chan Result, 1000)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := Forward(w, r, p, script, func(_ int, line string) {
			f.mu.Lock()
			f.stderr = append(f.stderr, line)
			f.mu.Unlock()
		})
		if res.Err != nil && !res.Started && res.Status != StatusClientClosed {
			http.Error(w, res.Err.Error(), res.Status)
		}
		f.mu.Lock()
		f.results = append(f.results, res)
		f.mu.Unlock()
		select {
		case f.done <- res:
		default:
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *front) lastResult() Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.results) == 0 {
		return Result{}
	}
	return f.results[len(f.results)-1]
}

// testCtx bounds a test step so that a hang fails instead of blocking the run.
func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
