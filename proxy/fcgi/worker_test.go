package fcgi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// pyFixture is 2 real Python workers x 4 threads behind one pool, served by
// an HTTP front at / and another at /mount.
type pyFixture struct {
	workers []*child
	pool    *Pool
	root    *front
	mount   *front
}

func startPyFixture(t *testing.T, app string) *pyFixture {
	fx := &pyFixture{pool: NewPool(Options{})}
	t.Cleanup(fx.pool.Close)
	for range 2 {
		w := startWorker(t, app, 4)
		fx.workers = append(fx.workers, w)
		fx.pool.Add(w.pid(), "unix", w.sock, 4, true)
	}
	fx.root = startFront(t, fx.pool, "")
	fx.mount = startFront(t, fx.pool, "/mount")
	return fx
}

// do sends one request through the front and returns the response with its body read.
func do(t *testing.T, method, url string, body io.Reader, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t, 60*time.Second), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, b
}

func envOf(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, b := do(t, "GET", url, nil, nil)
	var env map[string]any
	if err := json.Unmarshal(b, &env); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %q", url, resp.StatusCode, b)
	}
	return env
}

// patternReader yields n bytes of a fixed pattern without holding them.
type patternReader struct{ off, n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off)]
	for i := range p {
		p[i] = byte((r.off + int64(i)) % 251)
	}
	r.off += int64(len(p))
	return len(p), nil
}

func patternSum(n int64) string {
	h := sha256.New()
	io.Copy(h, &patternReader{n: n})
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestPythonWorker(t *testing.T) {
	fx := startPyFixture(t, "testapp:application")
	url := fx.root.URL

	t.Run("get", func(t *testing.T) {
		env := envOf(t, url+"/env?a=1")
		for k, want := range map[string]any{"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/env", "QUERY_STRING": "a=1", "wsgi.url_scheme": "http"} {
			if env[k] != want {
				t.Errorf("%s = %#v, want %#v", k, env[k], want)
			}
		}
	})
	t.Run("post", func(t *testing.T) {
		resp, b := do(t, "POST", url+"/echo?x=y", strings.NewReader("hello"), http.Header{"Content-Type": {"text/x-test"}})
		if string(b) != "hello" || resp.Header.Get("X-Content-Length") != "5" || resp.Header.Get("Content-Type") != "text/x-test" {
			t.Errorf("got %d %q %v", resp.StatusCode, b, resp.Header)
		}
	})
	t.Run("20 MB upload streamed", func(t *testing.T) {
		const n = 20 << 20
		req, _ := http.NewRequestWithContext(testCtx(t, 60*time.Second), "POST", url+"/upload", &patternReader{n: n})
		req.ContentLength = n
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := fmt.Sprintf("bytes=%d sha256=%s", n, patternSum(n)); string(b) != want {
			t.Errorf("got %q, want %q", b, want)
		}
		for _, w := range fx.workers {
			if kb := testtool.PeakRSS(t, w.pid()); kb > 36<<10 { // a worker holding the body would pass 40 MiB
				t.Errorf("worker %d peak memory %d KiB after a 20 MB upload", w.pid(), kb)
			} else {
				t.Logf("worker %d peak RSS %d KiB", w.pid(), kb)
			}
		}
	})
	t.Run("10 MB download", func(t *testing.T) {
		const n = 10 << 20
		resp, b := do(t, "GET", fmt.Sprintf("%s/download?size=%d", url, n), nil, nil)
		want, _ := io.ReadAll(&patternReader{n: n})
		if !bytes.Equal(b, want) || resp.ContentLength != n {
			t.Errorf("got %d bytes (Content-Length %d), want %d", len(b), resp.ContentLength, n)
		}
	})
	t.Run("chunked upload without a length", func(t *testing.T) {
		for _, n := range []int64{10, 3 << 20} {
			pr, pw := io.Pipe()
			go func() { io.Copy(pw, &patternReader{n: n}); pw.Close() }()
			_, b := do(t, "POST", url+"/upload", pr, nil)
			if want := fmt.Sprintf("bytes=%d sha256=%s", n, patternSum(n)); string(b) != want {
				t.Errorf("got %q, want %q", b, want)
			}
		}
	})
	t.Run("streamed while the app produces", func(t *testing.T) {
		testGatedStream(t, url+"/stream?n=3&gate=input", "chunk 0\n", "chunk 1\nchunk 2\n", "")
	})
	t.Run("server-sent events", func(t *testing.T) {
		testGatedStream(t, url+"/sse?n=2&gate=input", "data: event 0\n\n", "data: event 1\n\n", "text/event-stream")
	})
	t.Run("slow ticks", func(t *testing.T) {
		start := time.Now()
		resp, err := http.Get(url + "/slow?ms=150&n=4")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		line, err := readLine(resp.Body)
		first := time.Since(start)
		rest, _ := io.ReadAll(resp.Body)
		total := time.Since(start)
		if line != "tick 0\n" || string(rest) != "tick 1\ntick 2\ntick 3\n" {
			t.Fatalf("got %q %q (%v)", line, rest, err)
		}
		t.Logf("slow ticks: first byte after %v, whole response after %v", first, total)
		// The app sleeps 150 ms between ticks: streamed, the first tick arrives at
		// least 450 ms before the last; buffered, they arrive together.
		if total-first < 300*time.Millisecond {
			t.Errorf("first tick after %v, whole response after %v: the ticks were not streamed", first, total)
		}
	})
	t.Run("8 KiB response header", func(t *testing.T) {
		resp, b := do(t, "GET", url+"/big-header?size=8192", nil, nil)
		if len(resp.Header.Get("X-Big")) != 8192 || string(b) != "big\n" {
			t.Errorf("X-Big %d bytes, body %q", len(resp.Header.Get("X-Big")), b)
		}
	})
	t.Run("unicode path and query", func(t *testing.T) {
		env := envOf(t, url+"/env/caf%C3%A9?q=%C3%A9t%C3%A9")
		latin1 := func(s string) string {
			r := []rune{}
			for _, b := range []byte(s) {
				r = append(r, rune(b))
			}
			return string(r)
		}
		for k, want := range map[string]any{"PATH_INFO": latin1("/env/café"), "QUERY_STRING": "q=%C3%A9t%C3%A9", "REQUEST_URI": "/env/caf%C3%A9?q=%C3%A9t%C3%A9"} {
			if env[k] != want {
				t.Errorf("%s = %q, want %q", k, env[k], want)
			}
		}
	})
	t.Run("mounted at /mount", func(t *testing.T) {
		for path, want := range map[string]string{"/mount/env": "/env", "/mount/env/x/y": "/env/x/y"} {
			env := envOf(t, fx.mount.URL+path)
			if env["SCRIPT_NAME"] != "/mount" || env["PATH_INFO"] != want {
				t.Errorf("%s: SCRIPT_NAME %q PATH_INFO %q", path, env["SCRIPT_NAME"], env["PATH_INFO"])
			}
		}
	})
	t.Run("stderr lines", func(t *testing.T) {
		do(t, "GET", url+"/stderr?n=3", nil, nil)
		fx.root.mu.Lock()
		got := strings.Join(fx.root.stderr, "|")
		fx.root.mu.Unlock()
		if !strings.Contains(got, "stderr line 0|stderr line 1|stderr line 2") {
			t.Errorf("stderr callback got %q", got)
		}
	})
	t.Run("app error then served", func(t *testing.T) {
		if resp, _ := do(t, "GET", url+"/error", nil, nil); resp.StatusCode != 500 {
			t.Errorf("status %d, want 500", resp.StatusCode)
		}
		if resp, _ := do(t, "GET", url+"/write", nil, nil); resp.StatusCode != 200 {
			t.Errorf("status %d after an app error", resp.StatusCode)
		}
	})
	t.Run("200 concurrent", func(t *testing.T) { testConcurrentEcho(t, url, 200) })
	t.Run("cancel then 20", func(t *testing.T) { testCancelThenTwenty(t, fx.pool) })
	for _, st := range fx.pool.Stats() {
		t.Logf("worker %d: %+v", st.ID, st)
		if st.Open > 4 {
			t.Errorf("worker %d has %d connections open, bound 4", st.ID, st.Open)
		}
	}
}

// testGatedStream holds the request body open: the app has sent its first
// chunk and waits for the body's end, so the first chunk reaching the client
// proves the response streams while the app still produces.
func testGatedStream(t *testing.T, url, first, rest, ctype string) {
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(testCtx(t, 30*time.Second), "POST", url, pr)
	req.ContentLength = 4
	start := time.Now()
	go pw.Write([]byte("go"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ctype != "" && resp.Header.Get("Content-Type") != ctype {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	got := make([]byte, len(first))
	if _, err := io.ReadFull(resp.Body, got); err != nil || string(got) != first {
		t.Fatalf("first chunk %q, %v", got, err)
	}
	ttfb := time.Since(start)
	pw.Write([]byte("!!"))
	pw.Close()
	tail, err := io.ReadAll(resp.Body)
	if err != nil || string(tail) != rest {
		t.Fatalf("rest %q, %v", tail, err)
	}
	t.Logf("first chunk after %v while the app waited; whole response after %v", ttfb, time.Since(start))
}

func testConcurrentEcho(t *testing.T, url string, n int) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte(fmt.Sprintf("<%d>", i)), 1+i*13)
			req, _ := http.NewRequestWithContext(testCtx(t, 60*time.Second), "POST", url+"/echo", bytes.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("request %d: status %d, %d bytes back, want its own %d (%v)", i, resp.StatusCode, len(got), len(body), err)
			}
		}()
	}
	wg.Wait()
}

func testCancelThenTwenty(t *testing.T, p *Pool) {
	ctx, cancel := context.WithCancel(testCtx(t, 30*time.Second))
	resp, err := get(ctx, p, "/download?size=8000000")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, 100000))
	cancel()
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for i := range 20 {
		body := fmt.Sprintf("request %d", i)
		r, _ := http.NewRequest("POST", "http://test/echo", nil)
		r.RequestURI = "/echo"
		r.ContentLength = int64(len(body))
		resp, err := p.Do(testCtx(t, 10*time.Second), &Request{Params: BuildParams(r, ""), Body: strings.NewReader(body), ContentLength: int64(len(body))})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got := string(readAll(t, resp)); got != body {
			t.Fatalf("request %d got %q", i, got)
		}
	}
}
