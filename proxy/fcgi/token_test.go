package fcgi

import (
	"context"
	"io"
	"net/http"
	"net/http/fcgi"
	"testing"
)

// A backend's token goes with every request as the TokenParam param; without one none is sent,
// and a client cannot make one with a header.
func TestBackendTokenParam(t *testing.T) {
	s := startGoServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := fcgi.ProcessEnv(r)[TokenParam]
		if !ok {
			tok = "(none)"
		}
		io.WriteString(w, tok)
	}))
	for _, tc := range []struct{ token, want string }{{"s3cret", "s3cret"}, {"", "(none)"}} {
		p := NewPool(Options{})
		p.AddBackend(Backend{ID: 1, Network: "unix", Address: s.addr, MaxConns: 2, KeepConns: true, Token: tc.token})
		for range 2 { // a new connection, then the kept one
			r, _ := http.NewRequest("GET", "/", nil)
			r.Header.Set("Zoo-Dev-Token", "forged")
			resp, err := p.Do(context.Background(), &Request{Params: BuildParams(r, "")})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != tc.want {
				t.Errorf("token %q: the worker saw %q, want %q", tc.token, body, tc.want)
			}
		}
		p.Close()
	}
}
