package fcgi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func paramMap(ps []Param) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		if _, dup := m[p.Name]; dup {
			panic("duplicate param " + p.Name)
		}
		m[p.Name] = p.Value
	}
	return m
}

func TestBuildParams(t *testing.T) {
	tests := []struct {
		name, target, script string
		setup                func(r *http.Request)
		want                 map[string]string // "" value with "-" prefix key: must be absent
	}{
		{"root", "/", "", nil, map[string]string{"SCRIPT_NAME": "", "PATH_INFO": "/", "REQUEST_URI": "/", "QUERY_STRING": ""}},
		{"path at root mount", "/a/b?x=1", "/", nil, map[string]string{"SCRIPT_NAME": "", "PATH_INFO": "/a/b", "QUERY_STRING": "x=1", "REQUEST_URI": "/a/b?x=1"}},
		{"mounted", "/mount/a?x=1", "/mount", nil, map[string]string{"SCRIPT_NAME": "/mount", "PATH_INFO": "/a"}},
		{"mount root", "/mount", "/mount", nil, map[string]string{"SCRIPT_NAME": "/mount", "PATH_INFO": "/"}},
		{"mount root slash", "/mount/", "/mount/", nil, map[string]string{"SCRIPT_NAME": "/mount", "PATH_INFO": "/"}},
		{"mount prefix is not a word prefix", "/mountain", "/mount", nil, map[string]string{"PATH_INFO": "/mountain"}},
		{"decoded unicode path", "/caf%C3%A9/%20x?q=%C3%A9", "", nil, map[string]string{"PATH_INFO": "/café/ x", "QUERY_STRING": "q=%C3%A9", "REQUEST_URI": "/caf%C3%A9/%20x?q=%C3%A9"}},
		{"method and body", "/p", "", func(r *http.Request) {
			r.Method = "POST"
			r.Header.Set("Content-Type", "text/plain")
			r.ContentLength = 12
		}, map[string]string{"REQUEST_METHOD": "POST", "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "12", "-HTTP_CONTENT_TYPE": "", "-HTTP_CONTENT_LENGTH": ""}},
		{"headers", "/", "", func(r *http.Request) {
			r.Header["X-Multi"] = []string{"a", "b"}
			r.Header["Cookie"] = []string{"a=1", "b=2"}
			r.Header.Set("Proxy", "http://evil")
			r.Header["X_Sneaky"] = []string{"1"}
		}, map[string]string{"HTTP_X_MULTI": "a, b", "HTTP_COOKIE": "a=1; b=2", "-HTTP_PROXY": "", "-HTTP_X_SNEAKY": "", "HTTP_HOST": "example.com"}},
		{"addresses", "/", "", func(r *http.Request) {
			r.Host = "localhost:8080"
			r.RemoteAddr = "192.0.2.1:5555"
		}, map[string]string{"SERVER_NAME": "localhost", "SERVER_PORT": "8080", "REMOTE_ADDR": "192.0.2.1", "REMOTE_PORT": "5555", "SERVER_PROTOCOL": "HTTP/1.1", "-HTTPS": ""}},
		{"tls", "/", "", func(r *http.Request) {
			r.TLS = &tls.ConnectionState{}
			r.Host = "secure.test"
		}, map[string]string{"HTTPS": "on", "SERVER_PORT": "443", "SERVER_NAME": "secure.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			if tt.setup != nil {
				tt.setup(r)
			}
			got := paramMap(BuildParams(r, tt.script))
			for k, want := range tt.want {
				if name, absent := strings.CutPrefix(k, "-"); absent {
					if v, ok := got[name]; ok {
						t.Errorf("%s = %q, want it absent", name, v)
					}
					continue
				}
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

// TestRecordLayout decodes what appendRequest writes: every record at most
// 65535 bytes and padded to 8, every pair inside one record, in order.
func TestRecordLayout(t *testing.T) {
	tests := []struct {
		name   string
		params []Param
		length int64
	}{
		{"small", []Param{{"A", "1"}, {"B", ""}}, 0},
		{"long values fill several records", []Param{
			{"HTTP_X_ONE", strings.Repeat("a", 40000)}, {"HTTP_X_TWO", strings.Repeat("b", 40000)},
			{"HTTP_X_THREE", strings.Repeat("c", 65000)}, {"N", "v"}}, 7},
		{"many short", manyParams(5000), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := appendRequest(nil, tt.params, tt.length, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []Param
			var types []byte
			for len(b) > 0 {
				clen, pad := int(b[4])<<8|int(b[5]), int(b[6])
				if b[0] != 1 || b[2] != 0 || b[3] != 1 || (clen+pad)%8 != 0 {
					t.Fatalf("bad record header % x", b[:8])
				}
				types = append(types, b[1])
				if b[1] == typeParams {
					pairs, err := decodePairs(b[8 : 8+clen])
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, pairs...)
				}
				b = b[8+clen+pad:]
			}
			want := append(append([]Param{}, tt.params...), Param{"CONTENT_LENGTH", fmt.Sprint(tt.length)})
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pairs differ: got %d, want %d", len(got), len(want))
			}
			if types[0] != typeBeginRequest || (tt.length == 0) != (types[len(types)-1] == typeStdin) {
				t.Errorf("record types %v", types)
			}
		})
	}
	if _, err := appendRequest(nil, []Param{{"HTTP_HUGE", strings.Repeat("x", 70000)}}, 0, ""); !errors.Is(err, ErrParamsTooLarge) {
		t.Errorf("huge pair: %v, want ErrParamsTooLarge", err)
	}
}

func manyParams(n int) []Param {
	ps := make([]Param, n)
	for i := range ps {
		ps[i] = Param{fmt.Sprintf("P%d", i), strings.Repeat("v", i%300)}
	}
	return ps
}

// decodePairs fails if a pair runs past the record's end.
func decodePairs(b []byte) ([]Param, error) {
	var out []Param
	readLen := func() (int, error) {
		if len(b) == 0 {
			return 0, io.ErrUnexpectedEOF
		}
		if b[0] < 128 {
			n := int(b[0])
			b = b[1:]
			return n, nil
		}
		if len(b) < 4 {
			return 0, io.ErrUnexpectedEOF
		}
		n := int(b[0]&0x7f)<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		b = b[4:]
		return n, nil
	}
	for len(b) > 0 {
		nl, err := readLen()
		if err != nil {
			return nil, err
		}
		vl, err := readLen()
		if err != nil {
			return nil, err
		}
		if nl+vl > len(b) {
			return nil, fmt.Errorf("pair split across records")
		}
		out = append(out, Param{string(b[:nl]), string(b[nl : nl+vl])})
		b = b[nl+vl:]
	}
	return out, nil
}

func TestStatusFor(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 200},
		{fmt.Errorf("x: %w", ErrNoBackend), 503},
		{fmt.Errorf("x: %w", ErrBusy), 503},
		{ErrPoolClosed, 503},
		{fmt.Errorf("read: %w", context.Canceled), 499},
		{fmt.Errorf("write: %w: %w", ErrClientGone, io.ErrClosedPipe), 499},
		{fmt.Errorf("dial: %w: %w", ErrDial, os.ErrDeadlineExceeded), 502},
		{fmt.Errorf("x: %w", ErrTimeout), 504},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), 504},
		{ErrHeaderTooLarge, 502},
		{fmt.Errorf("x: %w", ErrBackendClosed), 502},
		{ErrBadResponse, 502},
		{ErrParamsTooLarge, 431},
		{fmt.Errorf("%w: %w", ErrRequestBody, &http.MaxBytesError{Limit: 1}), 413},
		{fmt.Errorf("%w: %w", ErrRequestBody, io.ErrUnexpectedEOF), 400},
		{errors.New("anything else"), 502},
	}
	for _, tt := range tests {
		if got := StatusFor(tt.err); got != tt.want {
			t.Errorf("StatusFor(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
