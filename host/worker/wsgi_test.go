package worker

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// route is one request to the test app and what must come back.
type route struct {
	name, method, uri string
	body              string
	code              int
	want              string // the exact body, unless empty
	check             func(t *testing.T, r response, body []byte)
}

func testRoutes(t *testing.T) []route {
	source, err := os.ReadFile(filepath.Join("testdata", "apps", "testapp.py"))
	if err != nil {
		t.Fatal(err)
	}
	return []route{
		{name: "write", method: "GET", uri: "/write", code: 200, want: "one two three"},
		{name: "exc_info before headers", method: "GET", uri: "/exc_info", code: 500, want: "handled: ValueError"},
		{name: "echo chunks", method: "POST", uri: "/echo", body: "a\nbb\nccc", code: 200, want: "a\nbb\nccc"},
		{name: "file_wrapper", method: "GET", uri: "/file", code: 200, want: string(source)},
		{name: "empty body with status", method: "GET", uri: "/status?code=404", code: 404},
		{name: "unknown route", method: "GET", uri: "/nope", code: 404, want: "not found: /nope"},
		{name: "close-check", method: "GET", uri: "/close-check?id=c1", code: 200, want: "closing c1\ndone\n"},
		{name: "closed after close-check", method: "GET", uri: "/closed?id=c1", code: 200, want: "yes"},
		{name: "8 KiB header", method: "GET", uri: "/big-header?size=8192", code: 200, check: func(t *testing.T, r response, _ []byte) {
			_, h, _ := r.parse(t)
			if len(h.Get("X-Big")) != 8192 {
				t.Fatalf("X-Big of %d bytes", len(h.Get("X-Big")))
			}
		}},
		{name: "wsgi.errors as STDERR records", method: "GET", uri: "/stderr?n=3", code: 200, want: "ok",
			check: func(t *testing.T, r response, _ []byte) {
				if string(r.stderr) != "stderr line 0\nstderr line 1\nstderr line 2\n" {
					t.Fatalf("stderr records %q", r.stderr)
				}
			}},
	}
}

func runRoute(t *testing.T, f *fconn, rt route) {
	t.Helper()
	r := f.do(rt.method, rt.uri, []byte(rt.body), true)
	code, _, body := r.parse(t)
	if code != rt.code || (rt.want != "" && string(body) != rt.want) {
		t.Fatalf("%s %s: %d %q, want %d %q", rt.method, rt.uri, code, body, rt.code, rt.want)
	}
	if rt.check != nil {
		rt.check(t, r, body)
	}
}

func TestWSGIRoutes(t *testing.T) {
	p := startWorker(t, workerOpts{})
	f := dial(t, p.bind)
	extra := []route{
		{name: "error before headers", method: "GET", uri: "/error", code: 500, want: "500 Internal Server Error\nRuntimeError: boom\n"},
		{name: "error after headers ends the response", method: "GET", uri: "/error?after=1", code: 200, want: "partial\n"},
		{name: "exc_info after headers ends the response", method: "GET", uri: "/exc_info?late=1", code: 200, want: "early\n"},
		{name: "close() after an exception", method: "GET", uri: "/close-check?id=c2&fail=1", code: 200, want: "closing c2\n"},
		{name: "closed after the exception", method: "GET", uri: "/closed?id=c2", code: 200, want: "yes"},
		{name: "read()", method: "POST", uri: "/echo?mode=all", body: "x\ny\n", code: 200, want: "x\ny\n"},
		{name: "readline()", method: "POST", uri: "/echo?mode=lines", body: "x\ny\nz", code: 200, want: "x\ny\nz"},
		{name: "iteration", method: "POST", uri: "/echo?mode=iter", body: "x\n\ny\n", code: 200, want: "x\n\ny\n"},
		{name: "readlines()", method: "POST", uri: "/echo?mode=readlines", body: "1\n2\n3", code: 200, want: "1\n2\n3"},
		{name: "the worker lives on", method: "GET", uri: "/write", code: 200, want: "one two three"},
	}
	for _, rt := range append(testRoutes(t), extra...) {
		t.Run(rt.name, func(t *testing.T) { runRoute(t, f, rt) })
	}
	for _, want := range []string{"RuntimeError: boom", "RuntimeError: boom after the headers", "ValueError: on purpose"} {
		if !strings.Contains(p.stderr.Text(), want) {
			t.Errorf("worker stderr lacks the traceback %q:\n%s", want, p.stderr.Text())
		}
	}
}

func TestValidatorFindsNothing(t *testing.T) {
	p := startWorker(t, workerOpts{app: "testapp:validated"})
	f := dial(t, p.bind)
	routes := append(testRoutes(t),
		route{name: "stream", method: "GET", uri: "/stream?n=3", code: 200, want: "chunk 0\nchunk 1\nchunk 2\n"},
		route{name: "download", method: "GET", uri: "/download?size=100000&chunk=7000", code: 200},
		route{name: "upload", method: "POST", uri: "/upload", body: strings.Repeat("u", 100000), code: 200},
		route{name: "env", method: "GET", uri: "/env", code: 200},
	)
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) { runRoute(t, f, rt) })
	}
	// One more request so the validator's checks of the previous ones have run.
	runRoute(t, f, route{method: "GET", uri: "/write", code: 200})
	for _, bad := range []string{"AssertionError", "WSGIWarning", "Traceback", "Exception ignored"} {
		if strings.Contains(p.stderr.Text(), bad) {
			t.Fatalf("validator complained (%s):\n%s", bad, p.stderr.Text())
		}
	}
}

func TestEnvironPaths(t *testing.T) {
	p := startWorker(t, workerOpts{})
	utf8Path := "/env/ü/日本"
	tests := []struct {
		name        string
		params      [][2]string
		script      string
		path        string // as UTF-8; PATH_INFO must be these bytes decoded as latin-1
		query       string
		scheme      string
		noProxyHead bool
	}{
		{name: "unicode path and query",
			params: [][2]string{{"SCRIPT_NAME", ""}, {"PATH_INFO", utf8Path}, {"QUERY_STRING", "q=%C3%BC&r=ü"},
				{"REQUEST_URI", "/env/%C3%BC/%E6%97%A5%E6%9C%AC?q=%C3%BC&r=ü"}},
			path: utf8Path, query: "q=%C3%BC&r=ü", scheme: "http"},
		{name: "nginx stock params: no PATH_INFO",
			params: [][2]string{{"SCRIPT_NAME", utf8Path}, {"REQUEST_URI", "/env/%C3%BC/%E6%97%A5%E6%9C%AC"}, {"HTTPS", "on"}},
			path:   utf8Path, scheme: "https"},
		{name: "mounted app",
			params: [][2]string{{"SCRIPT_NAME", "/mount"}, {"PATH_INFO", "/env/x"}, {"REQUEST_URI", "/mount/env/x"}},
			script: "/mount", path: "/env/x", scheme: "http"},
		{name: "mount derived from REQUEST_URI",
			params: [][2]string{{"SCRIPT_NAME", "/mount"}, {"REQUEST_URI", "/mount/env/y?a=b"}, {"QUERY_STRING", "a=b"}},
			script: "/mount", path: "/env/y", query: "a=b", scheme: "http"},
		{name: "Proxy header dropped",
			params: [][2]string{{"PATH_INFO", "/env"}, {"HTTP_PROXY", "http://evil/"}},
			path:   "/env", scheme: "http", noProxyHead: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := dial(t, p.bind)
			f.begin(1, true)
			all := append([][2]string{{"REQUEST_METHOD", "GET"}, {"SERVER_NAME", "h"}, {"SERVER_PORT", "80"}}, tc.params...)
			f.stream(typeParams, 1, encodePairs(all), 0, 0)
			f.stream(typeStdin, 1, nil, 0, 0)
			code, _, body := f.readResponse(1).parse(t)
			var env map[string]any
			if err := json.Unmarshal(body, &env); err != nil || code != 200 {
				t.Fatalf("%d %q: %v", code, body, err)
			}
			checks := map[string]string{"SCRIPT_NAME": tc.script, "PATH_INFO": tc.path,
				"QUERY_STRING": tc.query, "wsgi.url_scheme": tc.scheme}
			for key, want := range checks {
				got, _ := env[key].(string)
				if key == "PATH_INFO" || key == "QUERY_STRING" || key == "SCRIPT_NAME" {
					got = latin1Bytes(got)
				}
				if got != want {
					t.Errorf("%s = %q, want %q", key, got, want)
				}
			}
			if _, has := env["HTTP_PROXY"]; tc.noProxyHead && has {
				t.Errorf("HTTP_PROXY reached the app")
			}
		})
	}
}

// latin1Bytes turns a string of code points < 256 back into the bytes they were decoded from.
func latin1Bytes(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if r > 255 {
			return "not latin-1: " + s
		}
		b.WriteByte(byte(r))
	}
	return b.String()
}
