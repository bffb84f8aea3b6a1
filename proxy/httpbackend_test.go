package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// httpFront is this package's server for one app mounted at /api whose generations
// are HTTP servers the test runs, with the events it reports.
type httpFront struct {
	srv *Server
	url string
	sub *event.Sub
}

func newHTTPFront(t *testing.T) *httpFront {
	t.Helper()
	a := &config.App{Name: "api", Path: "/api", Root: t.TempDir(), Engine: "uvicorn",
		MinWorkers: 1, MaxWorkers: 1, Threads: 1, RequestTimeout: 10 * time.Second, StartTimeout: 10 * time.Second}
	bus := event.NewBus()
	f := &httpFront{srv: New(&config.Site{Apps: []*config.App{a}}, bus), sub: bus.Subscribe(256)}
	f.srv.SetStatus("api", host.Status{State: event.StateRunning, Gen: 1})
	hs := httptest.NewServer(f.srv)
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	f.url = hs.URL
	return f
}

// serve makes gen the app's generation with one process (pid) listening on addr.
func (f *httpFront) serve(gen, pid int, addr string, stderr ...string) {
	f.srv.Serve("api", gen, []host.Endpoint{{PID: pid, Protocol: "http", Network: "tcp", Address: addr,
		MaxConns: 1, Died: func(time.Time) (string, []string, bool) { return "exited with status 1", stderr, true }}})
}

// backend runs handler as an engine's process would, on a loopback port.
func backend(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(handler)
	t.Cleanup(func() { s.CloseClientConnections(); s.Close() })
	return strings.TrimPrefix(s.URL, "http://")
}

// request waits for the access event of a request to path.
func (f *httpFront) request(t *testing.T, path string) event.RequestInfo {
	t.Helper()
	deadline := time.After(10 * time.Second)
	var buf []event.Event
	for {
		buf, _ = f.sub.Drain(buf[:0])
		for _, e := range buf {
			if e.Kind == event.KindRequest && e.Request.Path == path {
				return *e.Request
			}
		}
		select {
		case <-f.sub.Ready():
		case <-deadline:
			t.Fatalf("no request event for %s within 10 s", path)
		}
	}
}

// A streamed response reaches the client chunk by chunk; the app sees the path
// with its mount prefix, the client's Host, and the X-Forwarded headers.
func TestHTTPBackendStreamsAndForwards(t *testing.T) {
	f := newHTTPFront(t)
	release := make(chan struct{})
	f.serve(1, 101, backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", fmt.Sprintf("%s|%s|%s|%s|%s", r.URL.Path, r.Host,
			r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Host"), r.Header.Get("X-Forwarded-Proto")))
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "second\n")
	}))
	resp, err := http.Get(f.url + "/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	host := strings.TrimPrefix(f.url, "http://")
	if want := "/api/stream|" + host + "|127.0.0.1|" + host + "|http"; resp.Header.Get("X-Seen") != want {
		t.Errorf("the app saw %q, want %q", resp.Header.Get("X-Seen"), want)
	}
	br := bufio.NewReader(resp.Body)
	if l, err := br.ReadString('\n'); l != "first\n" {
		t.Fatalf("first chunk = %q, %v", l, err) // it must arrive while the app still holds the rest
	}
	close(release)
	if rest, _ := io.ReadAll(br); string(rest) != "second\n" {
		t.Errorf("rest = %q", rest)
	}
	ri := f.request(t, "/api/stream")
	if ri.Status != 200 || ri.Bytes != int64(len("first\nsecond\n")) || ri.Worker != 101 {
		t.Errorf("request event = %+v, want 200, 13 bytes, pid 101", ri)
	}
}

// A request body reaches the app, and its answer the client.
func TestHTTPBackendPostsBody(t *testing.T) {
	f := newHTTPFront(t)
	f.serve(1, 101, backend(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "got %d bytes: %s", len(b), b[:5])
	}))
	resp, err := http.Post(f.url+"/api/upload", "text/plain", strings.NewReader(strings.Repeat("hello", 50000)))
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusCreated || body != "got 250000 bytes: hello" {
		t.Errorf("POST = %d %q", resp.StatusCode, body)
	}
}

// A process that is gone gets zoo-dev's crash page with its last stderr lines.
func TestHTTPBackendDeadProcessPage(t *testing.T) {
	f := newHTTPFront(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: the process died
	f.serve(1, 202, addr, "Traceback (most recent call last):", "RuntimeError: boom")
	resp := get(t, f.url+"/api/", false)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "RuntimeError: boom") ||
		!strings.Contains(body, "Worker 202 exited with status 1") {
		t.Errorf("dead process: %d %q", resp.StatusCode, body)
	}
	if ri := f.request(t, "/api/"); ri.Status != http.StatusBadGateway || ri.Worker != 202 {
		t.Errorf("request event = status %d pid %d, want 502 from pid 202", ri.Status, ri.Worker)
	}
}

// A process that dies in the middle of a response cuts the client's response
// (it never looks complete) and is logged as such.
func TestHTTPBackendCutOff(t *testing.T) {
	f := newHTTPFront(t)
	f.serve(1, 303, backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, "part of it")
		w.(http.Flusher).Flush()
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	}))
	resp, err := http.Get(f.url + "/api/half")
	if err == nil { // the header may have gone out with the first part, or not
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil {
			t.Errorf("a cut response read as complete: %d %q", resp.StatusCode, b)
		}
	}
	if ri := f.request(t, "/api/half"); ri.Status != http.StatusBadGateway {
		t.Errorf("request event status = %d, want 502 for a cut response", ri.Status)
	}
}

// Retiring a generation lets its request in flight finish while new requests go
// to the next generation.
func TestHTTPBackendRetireDrains(t *testing.T) {
	f := newHTTPFront(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	f.serve(1, 401, backend(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "old generation, complete")
	}))
	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(f.url + "/api/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(b)
	}()
	<-arrived
	f.serve(2, 402, backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "new generation") }))
	retired := make(chan error, 1)
	go func() { retired <- f.srv.Retire(context.Background(), "api", 1) }()
	if got := readAll(t, get(t, f.url+"/api/", false)); got != "new generation" {
		t.Errorf("during the retirement: %q", got)
	}
	select {
	case err := <-retired:
		t.Fatalf("Retire returned (%v) with a request in flight", err)
	default:
	}
	close(release)
	if got := <-slow; got != "old generation, complete" {
		t.Errorf("the request in flight got %q", got)
	}
	if err := <-retired; err != nil {
		t.Errorf("Retire: %v", err)
	}
}

// An upgraded connection (a WebSocket, here a plain echo protocol) passes through
// both ways and is reported with status 101.
func TestHTTPBackendUpgrade(t *testing.T) {
	f := newHTTPFront(t)
	f.serve(1, 501, backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want Upgrade: echo", http.StatusBadRequest)
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo: " + line)
		brw.Flush()
	}))
	c, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /api/ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade answer: %v %v", resp, err)
	}
	io.WriteString(c, "ping\n")
	if l, err := br.ReadString('\n'); l != "echo: ping\n" {
		t.Fatalf("through the upgraded connection: %q %v", l, err)
	}
	c.Close()
	if ri := f.request(t, "/api/ws"); ri.Status != http.StatusSwitchingProtocols {
		t.Errorf("request event status = %d, want 101", ri.Status)
	}
}

// An informational answer (103 Early Hints) before the final one does not take the
// place of the final status.
func TestHTTPBackendInformationalStatus(t *testing.T) {
	f := newHTTPFront(t)
	f.serve(1, 601, backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "created")
	}))
	resp, err := http.Get(f.url + "/api/hints")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusCreated || body != "created" {
		t.Errorf("answer = %d %q, want 201 created", resp.StatusCode, body)
	}
	if ri := f.request(t, "/api/hints"); ri.Status != http.StatusCreated {
		t.Errorf("request event status = %d, want 201", ri.Status)
	}
}
