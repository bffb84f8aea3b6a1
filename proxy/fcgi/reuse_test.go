package fcgi

import (
	"context"
	"io"
	"net/http"
	"strings"
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

// TestRetryWhenKeptConnClosedAtReuse: the worker closes a kept connection
// just as it is reused (uWSGI's way): a request without a body is tried once
// more, and from then on the worker gets a new connection per request, so a
// request with a body, which could not be replayed, never meets that race.
func TestRetryWhenKeptConnClosedAtReuse(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 1, Options{})
	ctx := testCtx(t, 20*time.Second)
	resp, err := get(ctx, p, "/id?i=a&size=2")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	srv.ln.dropOnNextRead()
	resp, err = get(ctx, p, "/id?i=b&size=2")
	if err != nil {
		t.Fatalf("GET on a connection closed at reuse: %v", err)
	}
	if got := string(readAll(t, resp)); got != "b," {
		t.Fatalf("got %q", got)
	}
	if st := p.Stats()[0]; st.Retries != 1 || st.Errors != 0 || st.Served != 2 {
		t.Errorf("stats %+v, want 2 served, 1 retry, 0 errors", st)
	}
	srv.ln.dropOnNextRead()
	r, _ := http.NewRequest("POST", "http://test/upload", nil)
	resp, err = p.Do(ctx, &Request{Params: BuildParams(r, ""), Body: strings.NewReader("abc"), ContentLength: 3})
	if err != nil {
		t.Fatalf("POST after the worker closed a kept connection: %v, want a new connection", err)
	}
	readAll(t, resp)
	if st := p.Stats()[0]; st.Served != 3 || st.Errors != 0 || st.Idle != 0 {
		t.Errorf("stats %+v, want 3 served, 0 errors and no idle connection kept", st)
	}
}

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
	if st := p.Stats()[0]; st.Retries != 0 || st.Errors != 0 || st.Served != 3 {
		t.Errorf("stats %+v, want 3 served without retries", st)
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
