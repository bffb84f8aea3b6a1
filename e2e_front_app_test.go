package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// frontApp is a WSGI app for the HTTP front's tests. Every request it receives is
// one line of hits.log ("METHOD PATH BODY-BYTES"), so a test can tell what
// reached the app.
const frontApp = `import os, subprocess, sys, time

HITS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hits.log")


def application(environ, start_response):
    path = environ["PATH_INFO"]
    n = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(n) if n else b""
    with open(HITS, "a") as f:
        f.write("%s %s %d\n" % (environ["REQUEST_METHOD"], path, len(body)))
    if path == "/big":
        size = int(environ.get("QUERY_STRING") or 8 << 20)
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
        return (b"x" * min(size - i, 1 << 20) for i in range(0, size, 1 << 20))
    if path == "/sse":
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        def events():
            for i in range(3):
                yield b"data: %d\n\n" % i
                time.sleep(0.3)
        return events()
    if path == "/die":
        os.kill(os.getpid(), 9)
    if path == "/spawn":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"%d\n" % child.pid]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok %s %d\n" % (path.encode(), len(body))]
`

// frontSite writes the app with a zoo.toml (one worker, two threads) whose
// top-level lines are top, and returns its folder.
func frontSite(t *testing.T, top string) string {
	t.Helper()
	dir := t.TempDir()
	toml := top + "\n[[app]]\nname = \"front\"\nmin_workers = 1\nmax_workers = 1\nthreads = 2\n[app.env]\nWSGI_APP = \"app.application\"\n"
	for name, text := range map[string]string{"zoo.toml": toml, "app.py": frontApp} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startFront runs zoo-dev on a frontSite and waits until the app answers.
func startFront(t *testing.T, top string, args ...string) (*zooRun, string) {
	t.Helper()
	dir := frontSite(t, top)
	z := startZoo(t, append(args, dir)...)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(z.URL + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return z, dir
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app did not answer within 60 s: %v", err)
		}
		z.waitNextLine(time.Second)
	}
}

// waitNextLine waits for zoo-dev's next output line, at most d.
func (z *zooRun) waitNextLine(d time.Duration) {
	z.mu.Lock()
	more := z.more
	z.mu.Unlock()
	select {
	case <-more:
	case <-time.After(d):
	}
}

// hits returns the lines of the app's hits.log for paths other than /ready.
func hits(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "hits.log"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" && !strings.HasPrefix(l, "GET /ready ") {
			out = append(out, l)
		}
	}
	return out
}

// dial opens a raw connection to zoo-dev.
func (z *zooRun) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(z.URL, "http://"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawExchange writes req on a new connection and reads the first response, then
// reports whether the server closed the connection after it (within 10 s); body
// holds everything that came after the first response's header.
func (z *zooRun) rawExchange(t *testing.T, req string) (resp *http.Response, body string, closed bool) {
	t.Helper()
	c := z.dial(t)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil { // a server that refuses a request it has not read whole may reset the connection
		t.Logf("read response body: %v", err)
		return resp, string(b), true
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, err := io.ReadAll(br)
	closed = err == nil // EOF: the server closed; a timeout leaves it open
	return resp, string(b) + string(rest), closed
}

// timedGet fetches path with a fresh connection and returns the status and how long it took.
func (z *zooRun) timedGet(t *testing.T, path string, timeout time.Duration) (int, time.Duration) {
	t.Helper()
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := c.Get(z.URL + path)
	if err != nil {
		return 0, time.Since(start)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

func hostOf(url string) string { return strings.TrimPrefix(url, "http://") }

func regexpQuote(s string) *regexp.Regexp { return regexp.MustCompile(regexp.QuoteMeta(s)) }

// waitCount waits until n output lines match re and returns how long that took.
func (z *zooRun) waitCount(re *regexp.Regexp, n int, timeout time.Duration) time.Duration {
	z.t.Helper()
	start := time.Now()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		z.mu.Lock()
		lines, more := z.lines, z.more
		z.mu.Unlock()
		got := 0
		for _, l := range lines {
			if re.MatchString(l) {
				got++
			}
		}
		if got >= n {
			return time.Since(start)
		}
		select {
		case <-more:
		case <-deadline.C:
			z.t.Fatalf("%d lines matching %q within %s, want %d", got, re, timeout, n)
		}
	}
}
