package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowUploads starts n uploads of size bytes that each send one byte every gap,
// and returns once every one has sent its header and first byte. answered tells
// how many got their answer so far; stop ends them.
func slowUploads(t *testing.T, z *zooRun, n, size int, gap time.Duration) (answered func() int, stop func()) {
	t.Helper()
	done := make(chan struct{})
	var started, ended sync.WaitGroup
	var finished atomic.Int32
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = z.dial(t)
		started.Add(1)
		ended.Add(1)
		go func(c net.Conn) {
			defer ended.Done()
			fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\nx", hostOf(z.URL), size)
			started.Done()
			tick := time.NewTicker(gap)
			defer tick.Stop()
			for sent := 1; sent < size; sent++ {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				if _, err := c.Write([]byte{'x'}); err != nil {
					return
				}
			}
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			if b, _ := io.ReadAll(io.LimitReader(c, 12)); strings.HasPrefix(string(b), "HTTP/1.1 200") {
				finished.Add(1)
			}
		}(conns[i])
	}
	started.Wait()
	return func() int { return int(finished.Load()) }, func() {
		close(done)
		for _, c := range conns {
			c.Close()
		}
		ended.Wait()
	}
}

// Slow uploads hold no worker: while 20 clients send their bodies a byte at a
// time, a plain GET is answered before any upload body can be complete.
func TestFrontSlowUploadsHoldNoWorker(t *testing.T) {
	z, _ := startFront(t, "")
	const uploads, size, gap = 20, 100, 100 * time.Millisecond
	answered, stop := slowUploads(t, z, uploads, size, gap)
	defer stop()
	firstComplete := time.Now().Add((size - 1) * gap) // no upload body is whole before this
	code, took := z.timedGet(t, "/plain", 60*time.Second)
	early := time.Now().Before(firstComplete)
	t.Logf("plain GET during %d slow uploads: status %d in %s; uploads answered before it: %d", uploads, code, took.Round(time.Millisecond), answered())
	if code != 200 || !early {
		t.Errorf("the plain GET got %d only after the first upload body could be complete: it waited for the uploads", code)
	}
}

// A body over the limit gets 413 before it is read; one that stalls gets 408;
// neither reaches the app, and a whole one does, with every byte.
func TestFrontBodyLimits(t *testing.T) {
	z, dir := startFront(t, `max_body_size = "64KiB"`, "--body-timeout", "1s")
	host := hostOf(z.URL)
	resp, body, closed := z.rawExchange(t, fmt.Sprintf("POST /large HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\nxx", host, 1<<20))
	if resp.StatusCode != 413 || !strings.Contains(body, "max_body_size") || !closed {
		t.Errorf("body over the limit: status %d, closed %v, body %.300q; want 413 naming max_body_size", resp.StatusCode, closed, body)
	}
	chunked := "POST /chunked-large HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
		strings.Repeat(fmt.Sprintf("%x\r\n%s\r\n", 16<<10, strings.Repeat("y", 16<<10)), 5) + "0\r\n\r\n"
	if resp, body, _ := z.rawExchange(t, chunked); resp.StatusCode != 413 {
		t.Errorf("chunked body over the limit: status %d, body %.300q; want 413", resp.StatusCode, body)
	}
	start := time.Now()
	resp, body, closed = z.rawExchange(t, "POST /stalled HTTP/1.1\r\nHost: "+host+"\r\nContent-Length: 100\r\n\r\nonly this")
	t.Logf("stalled body answered %d, connection closed %v, after %s", resp.StatusCode, closed, time.Since(start).Round(time.Millisecond))
	if resp.StatusCode != 408 || !strings.Contains(body, "body_timeout") || !closed {
		t.Errorf("stalled body: status %d, closed %v, body %.300q; want 408 naming body_timeout, closed", resp.StatusCode, closed, body)
	}
	whole := strings.Repeat("z", 60<<10)
	resp, body, _ = z.rawExchange(t, fmt.Sprintf("POST /whole HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", host, len(whole), whole))
	if resp.StatusCode != 200 || !strings.HasPrefix(body, fmt.Sprintf("ok /whole %d", len(whole))) {
		t.Errorf("whole body: status %d, body %.300q", resp.StatusCode, body)
	}
	got := hits(t, dir)
	t.Logf("requests that reached the app: %q", got)
	if len(got) != 1 || got[0] != fmt.Sprintf("POST /whole %d", len(whole)) {
		t.Errorf("the app saw %q, want only the whole body", got)
	}
}

// With stream_uploads the body goes to the app as it arrives, whole.
func TestFrontStreamUploads(t *testing.T) {
	z, dir := startFront(t, "stream_uploads = true")
	body := strings.Repeat("s", 200<<10)
	req := "POST /streamed HTTP/1.1\r\nHost: " + hostOf(z.URL) + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
		fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	resp, got, _ := z.rawExchange(t, req)
	if resp.StatusCode != 200 || !strings.HasPrefix(got, fmt.Sprintf("ok /streamed %d", len(body))) {
		t.Errorf("streamed upload: status %d, body %.200q", resp.StatusCode, got)
	}
	if h := hits(t, dir); len(h) != 1 || h[0] != fmt.Sprintf("POST /streamed %d", len(body)) {
		t.Errorf("the app saw %q", h)
	}
}
