package fcgi

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestReuseOnlyAfterCleanEndRequest(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 4, Options{})
	ctx := testCtx(t, 20*time.Second)
	for i := range 5 {
		resp, err := get(ctx, p, "/id?i=x&size=10")
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if acc, _, _ := srv.ln.counts(); acc != 1 {
			t.Fatalf("after %d sequential requests %d connections, want 1", i+1, acc)
		}
	}
	// A body closed before END_REQUEST: that connection must not come back.
	resp, err := get(ctx, p, "/id?i=x&size=1000000")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = get(ctx, p, "/id?i=y&size=10")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(readAll(t, resp)); got != "y,y,y,y,y," {
		t.Fatalf("got %q", got)
	}
	if acc, _, _ := srv.ln.counts(); acc != 2 {
		t.Fatalf("%d connections, want 2 (the abandoned one replaced)", acc)
	}
	if st := p.Stats()[0]; st.Open != 1 || st.Idle != 1 {
		t.Errorf("stats %+v, want 1 open and idle", st)
	}
}

func TestRetryOnceOnDeadReusedConn(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 1, Options{})
	ctx := testCtx(t, 20*time.Second)
	resp, err := get(ctx, p, "/id?i=a&size=2")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	srv.ln.poison() // the idle connection looks alive but its first write fails
	resp, err = get(ctx, p, "/id?i=b&size=2")
	if err != nil {
		t.Fatalf("request on a dead reused connection: %v", err)
	}
	if got := string(readAll(t, resp)); got != "b," {
		t.Fatalf("got %q", got)
	}
	if st := p.Stats()[0]; st.Retries != 1 || st.Errors != 0 {
		t.Errorf("stats %+v, want 1 retry, 0 errors", st)
	}
}

// TestNoRetryWhenWorkerDropsARequest is the regression for a request that
// crashed a worker: the worker closed the kept connection after reading the
// request, and a retry sent it to the next worker, which crashed too. A request
// that reached a worker is never sent again.
func TestNoRetryWhenWorkerDropsARequest(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 1, Options{})
	ctx := testCtx(t, 20*time.Second)
	resp, err := get(ctx, p, "/id?i=a&size=2")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	srv.ln.dropOnNextRead()
	_, err = get(ctx, p, "/id?i=b&size=2")
	if StatusFor(err) != http.StatusBadGateway {
		t.Fatalf("GET the worker dropped: %v, want a 502", err)
	}
	if acc, _, _ := srv.ln.counts(); acc != 1 {
		t.Fatalf("%d connections, want 1: the request was sent again", acc)
	}
}

// TestWorkerThatClosesGetsNewConnections: a worker added without keepConns
// (uWSGI closes after every response) never gets a kept connection back.
func TestWorkerThatClosesGetsNewConnections(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := NewPool(Options{})
	t.Cleanup(p.Close)
	p.Add(1, "unix", srv.addr, 2, false)
	ctx := testCtx(t, 20*time.Second)
	for i := range 3 {
		resp, err := get(ctx, p, "/id?i=a&size=2")
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if acc, _, _ := srv.ln.counts(); acc != i+1 {
			t.Fatalf("after %d requests %d connections, want one each", i+1, acc)
		}
	}
	if st := p.Stats()[0]; st.Idle != 0 || st.Served != 3 {
		t.Errorf("stats %+v, want 3 served and nothing kept", st)
	}
}

// TestIdleConnClosedByServerIsNotUsed: a kept connection the worker closed is
// found dead (a peek on TCP; the first write on a unix socket fails at once and
// is tried on a new connection) and every request is served.
func TestIdleConnClosedByServerIsNotUsed(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 1, Options{})
	ctx := testCtx(t, 20*time.Second)
	for i := range 3 {
		resp, err := get(ctx, p, "/id?i=a&size=2")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		readAll(t, resp)
		srv.ln.closeAll() // as uWSGI or an idle timeout would
	}
	if st := p.Stats()[0]; st.Errors != 0 || st.Served != 3 {
		t.Errorf("stats %+v, want 3 served without errors", st)
	}
}

// TestClientGoneMidResponse: the HTTP client disconnects while the body
// streams; Forward reports 499 and the pool serves the next request.
func TestClientGoneMidResponse(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 1, Options{})
	f := startFront(t, p, "")
	ctx, cancel := context.WithCancel(testCtx(t, 20*time.Second))
	req, _ := http.NewRequestWithContext(ctx, "GET", f.URL+"/id?i=gone&size=50000000", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, 10000))
	cancel()
	resp.Body.Close()
	res := <-f.done
	if res.Err == nil || StatusFor(res.Err) != StatusClientClosed || !res.Started {
		t.Fatalf("result %+v, want a started response ending with 499", res)
	}
	resp2, err := get(testCtx(t, 10*time.Second), p, "/id?i=next&size=5")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(readAll(t, resp2)); got != "next," {
		t.Fatalf("got %q", got)
	}
}
