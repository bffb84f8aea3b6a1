package fcgi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchParams are the params of a typical browser GET.
func benchParams(target string) []Param {
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0")
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	r.Header.Set("Accept-Language", "en-US,en;q=0.5")
	r.Header.Set("Accept-Encoding", "gzip, deflate")
	r.Header.Set("Cookie", "session=0123456789abcdef; theme=dark")
	return BuildParams(r, "")
}

// BenchmarkPoolDo is one small GET through the pool and back: Do, read the
// body, close. Allocations are the client's and the pool's per request.
func BenchmarkPoolDo(b *testing.B) {
	b.Run("net-http-fcgi", func(b *testing.B) {
		srv := startGoServer(b, goHandler(nil))
		benchDo(b, srv.pool(b, 4, Options{}), "/id?i=bench&size=100")
	})
	// keep: zoo-dev's worker keeps connections; without, a connection per request, as
	// with a worker that closes after every response (uWSGI): the dial and the
	// connection's buffers are then per request.
	for _, keep := range []bool{true, false} {
		name := "python-worker"
		if !keep {
			name += "-new-conn"
		}
		b.Run(name, func(b *testing.B) {
			w := startWorker(b, "testapp:application", 4)
			p := NewPool(Options{})
			b.Cleanup(p.Close)
			p.Add(w.pid(), "unix", w.sock, 4, keep)
			benchDo(b, p, "/write")
		})
	}
}

func benchDo(b *testing.B, p *Pool, target string) {
	req := &Request{Params: benchParams(target)}
	buf := make([]byte, 4096)
	one := func(ctx context.Context, buf []byte) {
		resp, err := p.Do(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := resp.Body.Read(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		resp.Body.Close()
	}
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			one(ctx, buf)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, 4096)
			for pb.Next() {
				one(ctx, buf)
			}
		})
	})
}

func BenchmarkBuildParams(b *testing.B) {
	r := httptest.NewRequest("GET", "/some/path?x=1", nil)
	r.Header.Set("User-Agent", "bench")
	r.Header.Set("Accept", "*/*")
	r.Header.Set("Cookie", "a=1")
	b.ReportAllocs()
	for b.Loop() {
		BuildParams(r, "")
	}
}

// BenchmarkForward is the whole HTTP path minus the client: an in-memory
// response writer, Forward, the pool, net/http/fcgi.
func BenchmarkForward(b *testing.B) {
	srv := startGoServer(b, goHandler(nil))
	p := srv.pool(b, 4, Options{})
	r := httptest.NewRequest("GET", "/id?i=bench&size=100", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		if res := Forward(w, r, p, "", nil); res.Err != nil || w.Code != http.StatusOK {
			b.Fatal(res.Err, w.Code)
		}
	}
}
