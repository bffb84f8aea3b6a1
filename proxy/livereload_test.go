package proxy

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// through runs one response through the injector as fcgi.Forward would.
func through(l *liveReload, method string, header map[string]string, chunks []string, flushBetween bool) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	i := l.wrap(rec, httptest.NewRequest(method, "/", nil), "app")
	for k, v := range header {
		i.Header().Set(k, v)
	}
	i.WriteHeader(http.StatusOK)
	for n, c := range chunks {
		if n > 0 && flushBetween {
			i.Flush()
		}
		i.Write([]byte(c))
	}
	i.finish(true)
	return rec
}

func TestInjectorInjectsOnlyIntoCompleteHTML(t *testing.T) {
	l := newLiveReload(event.NewBus(), "app")
	l.served("app", 3)
	page := []string{"<html><body><h1>hi</h1>", "</BODY></html>"}
	html := map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Length": "37"}
	cases := []struct {
		name   string
		method string
		header map[string]string
		flush  bool
		inject bool
	}{
		{"html with a length", "GET", html, true, true},
		{"html without a length, in one piece", "GET", map[string]string{"Content-Type": "text/html"}, false, true},
		{"html streamed without a length", "GET", map[string]string{"Content-Type": "text/html"}, true, false},
		{"HEAD", "HEAD", html, false, false},
		{"json", "GET", map[string]string{"Content-Type": "application/json"}, false, false},
		{"gzip", "GET", map[string]string{"Content-Type": "text/html", "Content-Encoding": "gzip"}, false, false},
		{"CSP without unsafe-inline", "GET", map[string]string{"Content-Type": "text/html", "Content-Security-Policy": "default-src 'self'"}, false, false},
		{"CSP with unsafe-inline", "GET", map[string]string{"Content-Type": "text/html", "Content-Security-Policy": "script-src 'self' 'unsafe-inline'; default-src 'self'"}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := through(l, tc.method, tc.header, page, tc.flush)
			body := rec.Body.String()
			got := strings.Contains(body, `data-zoo-dev-live="`+l.boot+`.3"`)
			if got != tc.inject {
				t.Fatalf("injected %v, want %v:\n%s", got, tc.inject, body)
			}
			if tc.method == "HEAD" {
				return
			}
			if !tc.inject && body != strings.Join(page, "") {
				t.Fatalf("body changed: %q", body)
			}
			if tc.inject {
				if !strings.HasSuffix(body, "</script></BODY></html>") {
					t.Fatalf("script not before </body>: %q", body)
				}
				if cl := rec.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
					t.Fatalf("Content-Length %s for a %d-byte body", cl, len(body))
				}
			}
		})
	}
}

func TestInjectorOffAndBeforeAGeneration(t *testing.T) {
	l := newLiveReload(event.NewBus(), "app")
	html := map[string]string{"Content-Type": "text/html"}
	if b := through(l, "GET", html, []string{"<body></body>"}, false).Body.String(); b != "<body></body>" {
		t.Fatalf("no generation serves yet, got %q", b)
	}
	l.served("app", 1)
	l.disable()
	if b := through(l, "GET", html, []string{"<body></body>"}, false).Body.String(); b != "<body></body>" {
		t.Fatalf("live refresh off, got %q", b)
	}
}

// The stream sends the token now and again when a new generation serves, and
// ends when the server shuts down.
func TestEventsStream(t *testing.T) {
	l := newLiveReload(event.NewBus(), "app")
	l.served("app", 1)
	srv := httptest.NewServer(http.HandlerFunc(l.serveEvents))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+EventsPath+"?app=app", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	next := func() string {
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				return d
			}
		}
		return ""
	}
	if got := next(); got != l.boot+".1" {
		t.Fatalf("first token %q", got)
	}
	l.served("app", 1) // a replaced worker: same generation, no event
	l.served("app", 2)
	if got := next(); got != l.boot+".2" {
		t.Fatalf("token after the new generation %q", got)
	}
	l.shutdown()
	if got := next(); got != "" {
		t.Fatalf("after shutdown %q, want the end of the stream", got)
	}
}

// A page load is a navigation; fetches and plain clients are not.
func TestIsNavigation(t *testing.T) {
	for _, c := range []struct {
		mode, accept string
		want         bool
	}{
		{"navigate", "text/html,application/xhtml+xml", true},
		{"cors", "text/html", false},
		{"no-cors", "*/*", false},
		{"", "text/html,*/*", true}, // an older browser without Sec-Fetch headers
		{"", "*/*", false},
		{"", "", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.mode != "" {
			r.Header.Set("Sec-Fetch-Mode", c.mode)
		}
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		if got := isNavigation(r); got != c.want {
			t.Errorf("Sec-Fetch-Mode %q Accept %q: navigation %v, want %v", c.mode, c.accept, got, c.want)
		}
	}
}
