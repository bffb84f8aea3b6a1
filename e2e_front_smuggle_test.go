package main

import (
	"strings"
	"testing"
)

// Conflicting framing is refused with 400 and a closed connection before
// anything reaches the app: neither the request nor the one hidden in its body.
func TestFrontRefusesConflictingFraming(t *testing.T) {
	z, dir := startFront(t, "")
	host := hostOf(z.URL)
	hidden := "GET /smuggled HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	chunked := "0\r\n\r\n" + hidden
	cases := []struct{ name, req string }{
		{"cl-te", "POST /front HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked},
		{"te-cl", "POST /front HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunked},
		{"mixed case", "POST /front HTTP/1.1\r\nhost: " + host + "\r\ntransfer-ENCODING: Chunked\r\ncontent-length: 60\r\n\r\n" + chunked},
		{"te in http/1.0", "POST /front HTTP/1.0\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + chunked},
		{"after a clean request", "GET /first HTTP/1.1\r\nHost: " + host + "\r\n\r\n" +
			"POST /front HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked},
		{"after OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: " + host + "\r\n\r\n" +
			"POST /front HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked},
		{"two content-lengths", "POST /front HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 4\r\nContent-Length: 45\r\n\r\n" + "abcd" + hidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body, closed := z.rawExchange(t, c.req)
			if strings.HasPrefix(c.name, "after ") { // the clean one is answered; the next is refused
				if resp.StatusCode != 200 || !strings.Contains(body, "HTTP/1.1 400 Bad Request") || !closed {
					t.Errorf("status %d, then %q, connection closed %v; want 200, then 400 and closed", resp.StatusCode, body, closed)
				}
				return
			}
			if resp.StatusCode != 400 || !closed {
				t.Errorf("status %d, connection closed %v; want 400 and closed; body %q", resp.StatusCode, closed, body)
			}
		})
	}
	if code, _ := z.get("/marker"); code != 200 {
		t.Fatalf("GET /marker = %d", code)
	}
	got := hits(t, dir)
	var reached int
	for _, h := range got {
		if strings.Contains(h, "/front") || strings.Contains(h, "/smuggled") {
			reached++
		}
	}
	t.Logf("requests that reached the app: %q; smuggled or conflicting ones: %d", got, reached)
	if reached > 0 || len(got) != 2 || got[0] != "GET /first 0" || got[1] != "GET /marker 0" {
		t.Errorf("the app saw %q, want only GET /first and GET /marker", got)
	}
}

// Request headers over the limit get 431 from the front, not a 502 from a worker
// that refused them; headers under it reach the app.
func TestFrontHeaderLimit(t *testing.T) {
	z, dir := startFront(t, "", "--max-header-size", "32KiB")
	host := hostOf(z.URL)
	for _, c := range []struct {
		name string
		size int
		want int
	}{
		{"1 MB", 1 << 20, 431},
		{"just over 32 KiB", 33 << 10, 431},
		{"28 KiB", 28 << 10, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := "GET /headers HTTP/1.1\r\nHost: " + host + "\r\nX-Big: " + strings.Repeat("a", c.size) + "\r\nConnection: close\r\n\r\n"
			resp, body, _ := z.rawExchange(t, req)
			if resp.StatusCode != c.want {
				t.Errorf("%d bytes of headers: status %d, want %d; body %.200q", c.size, resp.StatusCode, c.want, body)
			}
		})
	}
	got := hits(t, dir)
	t.Logf("requests that reached the app: %q", got)
	if len(got) != 1 || got[0] != "GET /headers 0" {
		t.Errorf("the app saw %q, want the one request under the limit", got)
	}
}
