package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// TestRequestInfoKeepsSmallBodies: a body read to its end is kept up to the limit,
// a bigger one is not, and a request without one can be replayed without one.
func TestRequestInfoKeepsSmallBodies(t *testing.T) {
	big := strings.Repeat("x", event.BodyKeepLimit+1)
	for _, tc := range []struct {
		name, method, body string
		chunked, keep      bool
	}{
		{"a form", "POST", "a=1&b=2", false, true},
		{"a chunked body", "POST", "a=1", true, true},
		{"over the limit", "POST", big, false, false},
		{"over the limit, chunked", "POST", big, true, false},
		{"no body", "GET", "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://example.test/p?q=1", strings.NewReader(tc.body))
			if tc.body == "" {
				r.Body, r.ContentLength = http.NoBody, 0
			}
			if tc.chunked {
				r.ContentLength = -1
			}
			r.Header.Set("X-Test", "yes")
			kept := keepBody(r)
			io.Copy(io.Discard, r.Body)
			cw := &countingWriter{ResponseWriter: httptest.NewRecorder(), start: time.Now()}
			cw.addStderr("a line")
			ri := cw.info(r, kept, 200, 42)
			if ri.BodyKept != tc.keep || tc.keep && string(ri.Body) != tc.body {
				t.Errorf("kept=%v body=%d bytes, want kept=%v", ri.BodyKept, len(ri.Body), tc.keep)
			}
			if ri.URL != "http://example.test/p?q=1" || ri.ReqHeader["X-Test"][0] != "yes" || len(ri.Stderr) != 1 {
				t.Errorf("info = %+v", ri)
			}
		})
	}
}
