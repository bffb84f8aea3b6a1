package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Clients that never read a large answer hold no worker: the worker's answers
// are taken as fast as it writes them, a plain GET is served meanwhile, and the
// write timeout drops those clients.
func TestFrontSlowReadersHoldNoWorker(t *testing.T) {
	z, dir := startFront(t, "", "--write-timeout", "3s")
	const readers, size = 20, 8 << 20
	for i := 0; i < readers; i++ {
		c := z.dial(t)
		fmt.Fprintf(c, "GET /big?%d HTTP/1.1\r\nHost: %s\r\n\r\n", size, hostOf(z.URL))
	}
	// The app gets all of them only if no reader holds a worker slot (there are 2).
	deadline := time.Now().Add(60 * time.Second)
	for n := 0; n < readers; n = countPrefix(hits(t, dir), "GET /big") {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d large answers reached the app in 60 s: readers hold the workers", n, readers)
		}
		z.waitNextLine(20 * time.Millisecond)
	}
	code, took := z.timedGet(t, "/plain", 60*time.Second)
	t.Logf("plain GET with %d clients not reading %d MiB each: status %d in %s", readers, size>>20, code, took.Round(time.Millisecond))
	if code != 200 {
		t.Errorf("plain GET during slow readers: status %d", code)
	}
	took = z.waitCount(regexp.MustCompile(fmt.Sprintf(`GET /big\?%d 499 `, size)), readers, 60*time.Second)
	t.Logf("all %d clients dropped by the 3 s write timeout %s after the plain GET", readers, took.Round(time.Millisecond))
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// Streamed answers still reach a reading client as they are produced.
func TestFrontStreamsServerSentEvents(t *testing.T) {
	z, _ := startFront(t, "")
	resp, err := http.Get(z.URL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	first, err := br.ReadString('\n')
	if err != nil || first != "data: 0\n" {
		t.Fatalf("first event %q, %v", first, err)
	}
	firstAt := time.Now()
	var rest strings.Builder
	if _, err := br.WriteTo(&rest); err != nil {
		t.Fatal(err)
	}
	gap := time.Since(firstAt)
	t.Logf("first event %s before the end of the stream (the app takes 0.9 s for the rest)", gap.Round(time.Millisecond))
	if !strings.Contains(rest.String(), "data: 2") || gap < 200*time.Millisecond {
		t.Errorf("the first event came with the rest (%s before the end), not as produced; rest %q", gap, rest.String())
	}
}

// An idle kept-alive connection is closed after the idle timeout.
func TestFrontIdleTimeout(t *testing.T) {
	z, _ := startFront(t, `idle_timeout = "1s"`)
	c := z.dial(t)
	fmt.Fprintf(c, "GET /one HTTP/1.1\r\nHost: %s\r\n\r\n", hostOf(z.URL))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("the idle connection was not closed: %v", err)
	}
	t.Logf("idle connection closed after %s", time.Since(start).Round(time.Millisecond))
}
