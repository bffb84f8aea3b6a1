package fcgi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/fcgi"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// goHandler is the app behind Go's net/http/fcgi in these tests.
func goHandler(gate <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "uri": r.URL.RequestURI(), "host": r.Host, "remote": r.RemoteAddr,
			"header": r.Header, "length": r.ContentLength, "body": string(body),
			"tls": r.TLS != nil, "env": fcgi.ProcessEnv(r),
		})
	})
	// /id?i=I&size=N answers N bytes made of "<I>," repeated: each answer is its own.
	mux.HandleFunc("/id", func(w http.ResponseWriter, r *http.Request) {
		w.Write(idBody(r.URL.Query().Get("i"), atoi(r.URL.Query().Get("size"))))
	})
	mux.HandleFunc("/big-header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("x", atoi(r.URL.Query().Get("size"))))
		io.WriteString(w, "big\n")
	})
	// /gate writes one chunk, then waits for the test's gate before the second.
	mux.HandleFunc("/gate", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-gate:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "second\n")
	})
	// /hold answers nothing until the gate opens.
	mux.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "held\n")
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "bytes=%d length=%d", n, r.ContentLength)
	})
	return mux
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func idBody(id string, size int) []byte {
	unit := id + ","
	b := bytes.Repeat([]byte(unit), size/len(unit)+1)
	return b[:max(size, len(unit))]
}

func get(ctx context.Context, p *Pool, uri string) (*Response, error) {
	r, _ := http.NewRequest("GET", "http://test"+uri, nil)
	r.RequestURI = uri
	return p.Do(ctx, &Request{Params: BuildParams(r, "")})
}

func readAll(t *testing.T, resp *Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return b
}

func TestParamsReachGoServer(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	f := startFront(t, srv.pool(t, 2, Options{}), "")
	tests := []struct {
		name, method, path, body string
		header                   http.Header
		check                    func(t *testing.T, got map[string]any)
	}{
		{"query and uri", "GET", "/env?a=1&b=%20", "", nil, func(t *testing.T, got map[string]any) {
			expect(t, got["uri"], "/env?a=1&b=%20")
			expect(t, got["method"], "GET")
			expect(t, got["length"], 0.0)
		}},
		{"post body with length", "POST", "/env", "hello", nil, func(t *testing.T, got map[string]any) {
			expect(t, got["body"], "hello")
			expect(t, got["length"], 5.0)
		}},
		{"headers joined, proxy dropped", "GET", "/env", "", http.Header{
			"X-Multi": {"a", "b"}, "Proxy": {"http://evil"}, "Cookie": {"a=1", "b=2"}},
			func(t *testing.T, got map[string]any) {
				h := got["header"].(map[string]any)
				expect(t, fmt.Sprint(h["X-Multi"]), "[a, b]")
				expect(t, fmt.Sprint(h["Cookie"]), "[a=1; b=2]")
				if _, ok := h["Proxy"]; ok {
					t.Errorf("Proxy header reached the app: %v", h["Proxy"])
				}
			}},
		{"host, remote and server port", "GET", "/env", "", nil, func(t *testing.T, got map[string]any) {
			expect(t, got["host"], strings.TrimPrefix(f.URL, "http://"))
			if !strings.HasPrefix(got["remote"].(string), "127.0.0.1:") {
				t.Errorf("remote = %v", got["remote"])
			}
			env := got["env"].(map[string]any)
			expect(t, env["SERVER_PORT"], f.URL[strings.LastIndex(f.URL, ":")+1:])
			expect(t, env["SERVER_NAME"], "127.0.0.1")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(testCtx(t, 10*time.Second), tt.method, f.URL+tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatalf("status %d: %v", resp.StatusCode, err)
			}
			tt.check(t, got)
		})
	}
}

func expect(t *testing.T, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestHeaderCap(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 2, Options{MaxHeaderBytes: 16 << 10})
	f := startFront(t, p, "")
	tests := []struct {
		size int
		want int
	}{
		{8 << 10, http.StatusOK},
		{15 << 10, http.StatusOK},
		{17 << 10, http.StatusBadGateway},
		{200 << 10, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.size), func(t *testing.T) {
			req, _ := http.NewRequestWithContext(testCtx(t, 10*time.Second), "GET", fmt.Sprintf("%s/big-header?size=%d", f.URL, tt.size), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusOK && len(resp.Header.Get("X-Big")) != tt.size {
				t.Errorf("X-Big has %d bytes", len(resp.Header.Get("X-Big")))
			}
			if res := f.lastResult(); tt.want != http.StatusOK && !errors.Is(res.Err, ErrHeaderTooLarge) {
				t.Errorf("result error %v, want ErrHeaderTooLarge", res.Err)
			}
		})
	}
}

// TestCancelledResponseDoesNotLeakIntoNextRequest is the gofast regression:
// a request cancelled mid-response must not leave its bytes on a pooled
// connection for the next request to read.
func TestCancelledResponseDoesNotLeakIntoNextRequest(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 2, Options{})
	ctx, cancel := context.WithCancel(testCtx(t, 20*time.Second))
	resp, err := get(ctx, p, "/id?i=cancelled&size=4000000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
	resp.Body.Close()
	for i := range 20 {
		id := fmt.Sprintf("req%d", i)
		resp, err := get(testCtx(t, 10*time.Second), p, "/id?i="+id+"&size=100000")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got, want := readAll(t, resp), idBody(id, 100000); !bytes.Equal(got, want) {
			t.Fatalf("request %d got another answer: %.40q...", i, got)
		}
	}
	if st := p.Stats()[0]; st.Served != 20 || st.Open > 2 {
		t.Errorf("stats %+v, want 20 served and at most 2 open", st)
	}
}

func TestPoolBoundAndConcurrency(t *testing.T) {
	gate := make(chan struct{})
	srv := startGoServer(t, goHandler(gate))
	const maxConns, n = 3, 200
	p := srv.pool(t, maxConns, Options{})
	ctx := testCtx(t, 60*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("c%d", i)
			size := 100 + i*97
			resp, err := get(ctx, p, fmt.Sprintf("/id?i=%s&size=%d", id, size))
			if err != nil {
				errs <- fmt.Errorf("%s: %w", id, err)
				return
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil || !bytes.Equal(got, idBody(id, size)) {
				errs <- fmt.Errorf("%s: wrong answer (%d bytes, %v)", id, len(got), err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, _, maxOpen := srv.ln.counts(); maxOpen > maxConns {
		t.Errorf("server saw %d connections at once, bound is %d", maxOpen, maxConns)
	}
	if st := p.Stats()[0]; st.Served != n || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestStreamedResponseIsFlushed(t *testing.T) {
	gate := make(chan struct{})
	srv := startGoServer(t, goHandler(gate))
	f := startFront(t, srv.pool(t, 2, Options{}), "")
	req, _ := http.NewRequestWithContext(testCtx(t, 10*time.Second), "GET", f.URL+"/gate", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The app waits for the gate before its second chunk: the first must
	// reach the client now, or this read runs into the deadline.
	line := make([]byte, 6)
	if _, err := io.ReadFull(resp.Body, line); err != nil || string(line) != "first\n" {
		t.Fatalf("first chunk %q, %v", line, err)
	}
	close(gate)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

func TestChunkedUploadIsSpooledWithLength(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	f := startFront(t, srv.pool(t, 2, Options{}), "")
	for _, size := range []int{0, 1000, 3 << 20} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				pw.Write(bytes.Repeat([]byte("z"), size))
				pw.Close()
			}()
			req, _ := http.NewRequestWithContext(testCtx(t, 20*time.Second), "POST", f.URL+"/upload", pr)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := fmt.Sprintf("bytes=%d length=%d", size, size); string(body) != want {
				t.Errorf("got %q, want %q", body, want)
			}
		})
	}
}
