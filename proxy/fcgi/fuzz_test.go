package fcgi

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// answerServer is a FastCGI backend whose answers the fuzzer writes: it reads a
// request's records, writes the next answer and closes the connection.
type answerServer struct {
	ln      net.Listener
	answers chan []byte
}

func startAnswerServer(f *testing.F) *answerServer {
	ln, err := net.Listen("unix", filepath.Join(f.TempDir(), "fuzz.sock"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ln.Close() })
	s := &answerServer{ln: ln, answers: make(chan []byte, 1)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(c)
			h := make([]byte, 8)
			for { // up to the empty STDIN record
				if _, err := io.ReadFull(br, h); err != nil {
					break
				}
				n := int(binary.BigEndian.Uint16(h[4:])) + int(h[6])
				if _, err := br.Discard(n); err != nil || h[1] == typeStdin && n == 0 {
					break
				}
			}
			c.Write(<-s.answers)
			c.Close()
		}
	}()
	return s
}

// FuzzRecordReader feeds arbitrary bytes as a worker's answer to the record
// reader: it must end every request, never panic or hang, free the slot, and
// give a response only with a sane status.
func FuzzRecordReader(f *testing.F) {
	stdout := func(s string) []byte {
		b := appendHeader(nil, typeStdout, len(s), padFor(len(s)))
		return append(append(b, s...), zeros[:padFor(len(s))]...)
	}
	end := appendHeader(nil, typeEndRequest, 8, 0)
	end = append(end, 0, 0, 0, 0, 0, 0, 0, 0)
	f.Add(append(stdout("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello"), end...))
	f.Add(append(append(stdout("Status: 404\r\n\r\n"), stdout("")...), end...))
	f.Add(append(stdout("Location: /x\r\n\r\n"), end...))
	f.Add(stdout("Status: 200\r\n\r\ncut"))
	f.Add([]byte{1, 7, 0, 1, 0, 3, 5, 0, 'e', 'r', 'r', 0, 0, 0, 0, 0})
	f.Add([]byte{2, 6, 0, 1, 0, 0, 0, 0})
	f.Add([]byte{})
	srv := startAnswerServer(f)
	f.Fuzz(func(t *testing.T, answer []byte) {
		p := NewPool(Options{FirstByteTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second})
		defer p.Close()
		p.Add(1, "unix", srv.ln.Addr().String(), 1, false)
		srv.answers <- answer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := p.Do(ctx, &Request{Params: []Param{{"REQUEST_METHOD", "GET"}}, Stderr: func(int, string) {}})
		if err == nil {
			if resp.StatusCode < 100 || resp.StatusCode > 999 {
				t.Errorf("status %d", resp.StatusCode)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if errors.Is(err, ErrTimeout) || ctx.Err() != nil {
			t.Fatalf("the request hung on a closed connection: %v", err)
		}
		if st := p.Stats(); st[0].InFlight != 0 {
			t.Errorf("slot still held after the request ended: %+v", st[0])
		}
	})
}

// FuzzParams turns arbitrary HTTP requests into FastCGI params and reads them
// back: every pair survives in one record of at most 65535 bytes, PATH_INFO of
// a path is never empty, CONTENT_LENGTH is the body's, and no header becomes HTTP_PROXY
// or passes for another through an underscore.
func FuzzParams(f *testing.F) {
	f.Add("GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n", "/a", int64(0))
	f.Add("POST /caf%C3%A9 HTTP/1.1\r\nHost: h\r\nProxy: http://evil\r\nX_Sneaky: 1\r\nContent-Length: 3\r\n\r\nabc", "", int64(3))
	f.Add("GET http://other/x HTTP/1.0\r\n\r\n", "/", int64(70000))
	f.Fuzz(func(t *testing.T, raw, script string, length int64) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil || length < 0 {
			return
		}
		params := BuildParams(r, script)
		if checkParams(params) != nil {
			return // one pair too large for a record: refused before anything is sent
		}
		b, err := appendRequest(nil, params, length, "")
		if err != nil {
			t.Fatalf("params that passed the check did not encode: %v", err)
		}
		got := decodeParams(t, b)
		want := map[string]string{}
		for _, p := range params {
			want[p.Name] = p.Value
		}
		want["CONTENT_LENGTH"] = strconv.FormatInt(length, 10)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q after encoding, want %q", k, got[k], v)
			}
		}
		// The front refuses a target that is not a path ("GET * HTTP/1.1") before this.
		if pi := got["PATH_INFO"]; !strings.HasPrefix(pi, "/") && (r.URL.Path == "" || r.URL.Path[0] == '/') {
			t.Errorf("PATH_INFO %q for path %q", pi, r.URL.Path)
		}
		if _, ok := got["HTTP_PROXY"]; ok {
			t.Errorf("HTTP_PROXY from headers %v", r.Header)
		}
		for k, v := range r.Header {
			if strings.Contains(k, "_") && got[cgiHeaderName(k)] == strings.Join(v, ", ") && r.Header.Get(strings.ReplaceAll(k, "_", "-")) == "" {
				t.Errorf("header %s passed as %s", k, cgiHeaderName(k))
			}
		}
	})
}

// decodeParams reads BEGIN_REQUEST and the PARAMS records, checking that no
// pair is split across records.
func decodeParams(t *testing.T, b []byte) map[string]string {
	out := map[string]string{}
	for len(b) >= 8 {
		typ, n, pad := b[1], int(binary.BigEndian.Uint16(b[4:])), int(b[6])
		content := b[8 : 8+n]
		b = b[8+n+pad:]
		if typ != typeParams {
			continue
		}
		for len(content) > 0 {
			var kl, vl int
			kl, content = readLen(t, content)
			vl, content = readLen(t, content)
			if kl+vl > len(content) {
				t.Fatalf("a pair split across records")
			}
			k, v := string(content[:kl]), string(content[kl:kl+vl])
			if _, dup := out[k]; dup {
				t.Errorf("param %s twice", k)
			}
			out[k] = v
			content = content[kl+vl:]
		}
	}
	if len(b) != 0 {
		t.Errorf("%d bytes after the last record", len(b))
	}
	return out
}

func readLen(t *testing.T, b []byte) (int, []byte) {
	if len(b) == 0 {
		t.Fatal("a pair split across records")
	}
	if b[0] < 128 {
		return int(b[0]), b[1:]
	}
	if len(b) < 4 {
		t.Fatal("a length split across records")
	}
	return int(binary.BigEndian.Uint32(b) & 0x7fffffff), b[4:]
}
