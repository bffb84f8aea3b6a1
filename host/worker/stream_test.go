package worker

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"
)

// The first chunk must reach the client while the app is still producing: the app holds the
// rest back until the request body ends, and the test ends the body only after the first chunk
// arrived (a worker that buffers the response never sends it and the test fails on its deadline).
func TestFirstChunkArrivesWhileTheAppProduces(t *testing.T) {
	p := startWorker(t, workerOpts{})
	tests := []struct {
		uri, first, rest string
	}{
		{"/stream?n=3&gate=input", "chunk 0\n", "chunk 1\nchunk 2\n"},
		{"/stream?n=3&gate=input&length=1", "chunk 0\n", "chunk 1\nchunk 2\n"},
		{"/sse?n=2&gate=input", "data: event 0\n\n", "data: event 1\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			f := dial(t, p.bind)
			f.startRequest("POST", tc.uri, 4, true)
			f.send(encodeRecord(typeStdin, 1, []byte("hold"), 0))
			start := time.Now()
			r := f.read()
			if r.typ != typeStdout || !bytes.HasSuffix(r.content, []byte(tc.first)) {
				t.Fatalf("first record %d %q, want headers and %q", r.typ, r.content, tc.first)
			}
			t.Logf("first chunk after %v while the app waits", time.Since(start))
			f.send(encodeRecord(typeStdin, 1, nil, 0))
			resp := f.readResponse(1)
			if string(resp.stdout) != tc.rest {
				t.Fatalf("rest %q, want %q", resp.stdout, tc.rest)
			}
		})
	}
}

func TestUpload20MBWithBoundedMemory(t *testing.T) {
	p := startWorker(t, workerOpts{})
	f := dial(t, p.bind)
	f.do("GET", "/write", nil, true) // warm up: the baseline includes a served request
	before := p.peakRSS(t)
	body := bytes.Repeat([]byte("0123456789abcdef"), 20<<20/16)
	sum := sha256.Sum256(body)
	start := time.Now()
	f.startRequest("POST", "/upload", len(body), true)
	f.stream(typeStdin, 1, body, 0, 0)
	_, _, got := f.readResponse(1).parse(t)
	elapsed := time.Since(start)
	want := fmt.Sprintf("bytes=%d sha256=%s", len(body), hex.EncodeToString(sum[:]))
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	after := p.peakRSS(t)
	t.Logf("20 MB upload in %v; worker peak RSS %d KiB before, %d KiB after", elapsed, before, after)
	if after > 60<<10 || after-before > 8<<10 {
		t.Fatalf("worker peak RSS %d KiB (was %d): the body was buffered", after, before)
	}
}

func TestDownload10MB(t *testing.T) {
	p := startWorker(t, workerOpts{})
	f := dial(t, p.bind)
	const size = 10 << 20
	start := time.Now()
	resp := f.do("GET", fmt.Sprintf("/download?size=%d&chunk=1000000", size), nil, true)
	_, h, body := resp.parse(t)
	t.Logf("10 MB download in %v, %d STDOUT records", time.Since(start), resp.records)
	if len(body) != size || h.Get("Content-Length") != fmt.Sprint(size) {
		t.Fatalf("got %d bytes, Content-Length %q", len(body), h.Get("Content-Length"))
	}
	for i, b := range body {
		if b != byte(i%251) {
			t.Fatalf("byte %d is %d, want %d", i, b, i%251)
		}
	}
}

// More connections than threads: the extra requests wait for a thread and every request still
// gets its own answer.
func TestConcurrentConnections(t *testing.T) {
	p := startWorker(t, workerOpts{threads: 4})
	const clients, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := dial(t, p.bind)
			for i := range each {
				body := fmt.Appendf(nil, "client %d request %d", c, i)
				r := f.do("POST", "/echo?c="+fmt.Sprint(c), body, i < each-1)
				if !bytes.HasSuffix(r.stdout, body) {
					errs <- fmt.Errorf("client %d request %d got %q", c, i, r.stdout)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Connections kept open and idle (as nginx's `keepalive` keeps them) hold no request thread:
// with both threads' worth of idle connections and more, a new connection is still answered.
func TestIdleKeptConnectionsDoNotStarve(t *testing.T) {
	p := startWorker(t, workerOpts{threads: 2})
	for i := range 4 {
		f := dial(t, p.bind)
		if code, _, _ := f.do("GET", "/status?code=200", nil, true).parse(t); code != 200 {
			t.Fatalf("kept connection %d: status %d", i, code)
		}
	}
	f := dial(t, p.bind)
	if _, _, body := f.do("POST", "/echo", []byte("still served"), false).parse(t); string(body) != "still served" {
		t.Fatalf("new connection got %q", body)
	}
}

// --threads bounds the requests the app runs at once: with two requests held open in the app,
// a third waits until one of them ends, then runs.
func TestThreadsBoundRequests(t *testing.T) {
	p := startWorker(t, workerOpts{threads: 2})
	held := make([]*fconn, 2)
	for i := range held {
		held[i] = dial(t, p.bind)
		held[i].startRequest("POST", "/stream?n=2&gate=input", 1, false)
		if r := held[i].read(); r.typ != typeStdout || !bytes.HasSuffix(r.content, []byte("chunk 0\n")) {
			t.Fatalf("held request %d: first record %+v", i, r)
		}
	}
	third := dial(t, p.bind)
	third.startRequest("GET", "/stream?n=1", 0, false)
	third.stream(typeStdin, 1, nil, 0, 0)
	third.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if r, err := third.tryRead(); err == nil {
		t.Fatalf("a third request ran while two held both threads: %+v", r)
	}
	third.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	held[0].stream(typeStdin, 1, []byte("x"), 0, 0)
	if rest := held[0].readResponse(1).stdout; string(rest) != "chunk 1\n" {
		t.Fatalf("released request: the rest is %q", rest)
	}
	if _, _, body := third.readResponse(1).parse(t); string(body) != "chunk 0\n" {
		t.Fatalf("third request got %q", body)
	}
}

// An app whose Content-Length promises less than it sends: the chunk that meets
// the length is held for the end of the response, and the chunks after it still
// go out after it, in order (the web server decides what to make of the excess).
func TestChunksPastContentLengthKeepTheirOrder(t *testing.T) {
	p := startWorker(t, workerOpts{})
	f := dial(t, p.bind)
	_, h, body := f.do("GET", "/stream?n=3&length=first", nil, true).parse(t)
	if h.Get("Content-Length") != "8" || string(body) != "chunk 0\nchunk 1\nchunk 2\n" {
		t.Fatalf("Content-Length %q, body %q; want 8 and the three chunks in order", h.Get("Content-Length"), body)
	}
}
