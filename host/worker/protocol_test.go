package worker

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"
	"time"
)

func TestGetValuesAndUnknownType(t *testing.T) {
	p := startWorker(t, workerOpts{threads: 3, maxConns: 12})
	tests := []struct {
		name  string
		ask   [][2]string
		want  map[string]string
		other uint8 // a management record type to send instead of GET_VALUES
	}{
		{name: "all three", ask: [][2]string{{"FCGI_MAX_CONNS", ""}, {"FCGI_MAX_REQS", ""}, {"FCGI_MPXS_CONNS", ""}},
			want: map[string]string{"FCGI_MAX_CONNS": "12", "FCGI_MAX_REQS": "3", "FCGI_MPXS_CONNS": "0"}},
		{name: "one and an unknown name", ask: [][2]string{{"FCGI_MPXS_CONNS", ""}, {"NOPE", ""}},
			want: map[string]string{"FCGI_MPXS_CONNS": "0"}},
		{name: "unknown management type", other: 42},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := dial(t, p.bind)
			if tc.other != 0 {
				f.send(encodeRecord(tc.other, 0, nil, 0))
				r := f.read()
				if r.typ != typeUnknownType || r.id != 0 || r.content[0] != tc.other {
					t.Fatalf("got record %+v, want UNKNOWN_TYPE for %d", r, tc.other)
				}
				return
			}
			f.send(encodeRecord(typeGetValues, 0, encodePairs(tc.ask), 0))
			r := f.read()
			if r.typ != typeGetValuesResult || r.id != 0 {
				t.Fatalf("got record type %d id %d, want GET_VALUES_RESULT", r.typ, r.id)
			}
			got := decodePairs(r.content)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			// The connection still serves a request afterwards.
			if code, _, body := f.do("GET", "/write", nil, true).parse(t); code != 200 || string(body) != "one two three" {
				t.Fatalf("request after GET_VALUES: %d %q", code, body)
			}
		})
	}
}

func TestKeepConn(t *testing.T) {
	p := startWorker(t, workerOpts{})
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			f := dial(t, p.bind)
			for i := range 3 {
				body := fmt.Appendf(nil, "request %d", i)
				_, _, got := f.do("POST", "/echo", body, keep).parse(t)
				if !bytes.Equal(got, body) {
					t.Fatalf("request %d: got %q", i, got)
				}
				if !keep {
					break
				}
			}
			if keep {
				return
			}
			if r, err := f.tryRead(); err != io.EOF {
				t.Fatalf("without KEEP_CONN: got record %+v, err %v; want EOF after END_REQUEST", r, err)
			}
		})
	}
}

func TestAbortRequest(t *testing.T) {
	p := startWorker(t, workerOpts{})
	t.Run("while the app streams", func(t *testing.T) {
		f := dial(t, p.bind)
		f.startRequest("POST", "/close-check?id=abort1&gate=input", 10, true)
		f.send(encodeRecord(typeStdin, 1, []byte("part"), 0)) // the body never ends
		if r := f.read(); r.typ != typeStdout || !bytes.Contains(r.content, []byte("closing abort1")) {
			t.Fatalf("first record %d %q, want the first chunk", r.typ, r.content)
		}
		f.send(encodeRecord(typeAbortRequest, 1, nil, 0))
		resp := f.readResponse(1)
		if bytes.Contains(resp.stdout, []byte("done")) {
			t.Fatalf("the app kept going after ABORT_REQUEST: %q", resp.stdout)
		}
		p.stderr.WaitFor(t, "testapp: closed abort1", 10e9)
		if _, _, body := f.do("GET", "/closed?id=abort1", nil, true).parse(t); string(body) != "yes" {
			t.Fatalf("close() after abort: %q on the same connection", body)
		}
	})
	t.Run("before the params end", func(t *testing.T) {
		f := dial(t, p.bind)
		f.begin(1, true)
		f.send(encodeRecord(typeParams, 1, encodePairs(params("GET", "/write", 0))[:20], 0))
		f.send(encodeRecord(typeAbortRequest, 1, nil, 0))
		if resp := f.readResponse(1); len(resp.stdout) != 0 || resp.protoStatus != 0 {
			t.Fatalf("got %+v, want a bare END_REQUEST", resp)
		}
		if _, _, body := f.do("GET", "/write", nil, true).parse(t); string(body) != "one two three" {
			t.Fatalf("next request: %q", body)
		}
	})
}

func TestClientClosesMidResponse(t *testing.T) {
	p := startWorker(t, workerOpts{})
	f := dial(t, p.bind)
	f.startRequest("POST", "/close-check?id=gone&gate=input", 10, true)
	f.send(encodeRecord(typeStdin, 1, []byte("part"), 0))
	if r := f.read(); r.typ != typeStdout {
		t.Fatalf("first record type %d, want STDOUT", r.typ)
	}
	f.c.Close()
	p.stderr.WaitFor(t, "testapp: closed gone", 10e9)
	g := dial(t, p.bind)
	for i := range 5 {
		body := fmt.Appendf(nil, "after %d", i)
		if _, _, got := g.do("POST", "/echo", body, true).parse(t); !bytes.Equal(got, body) {
			t.Fatalf("request %d after a client went away: %q", i, got)
		}
	}
}

func TestRecordsSplitAtOddSizes(t *testing.T) {
	p := startWorker(t, workerOpts{})
	tests := []struct {
		paramsSplit, stdinSplit, pad, size int
	}{
		{1, 1, 0, 3000},
		{7, 13, 5, 40000},
		{3, 65535, 255, 300000},
		{0, 8, 7, 20000},
		{5, 65534, 1, 1 << 20},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("params%d-stdin%d-pad%d", tc.paramsSplit, tc.stdinSplit, tc.pad), func(t *testing.T) {
			body := make([]byte, tc.size)
			rand.Read(body)
			sum := sha256.Sum256(body)
			f := dial(t, p.bind)
			f.begin(1, true)
			f.stream(typeParams, 1, encodePairs(params("POST", "/upload", len(body))), tc.paramsSplit, tc.pad)
			f.stream(typeStdin, 1, body, tc.stdinSplit, tc.pad)
			_, _, got := f.readResponse(1).parse(t)
			want := fmt.Sprintf("bytes=%d sha256=%s", len(body), hex.EncodeToString(sum[:]))
			if string(got) != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func TestSecondRequestOnBusyConnectionIsRefused(t *testing.T) {
	p := startWorker(t, workerOpts{})
	f := dial(t, p.bind)
	f.startRequest("POST", "/stream?n=2&gate=input", 1, true)
	f.begin(2, true)
	for {
		r := f.read()
		if r.id == 2 {
			if r.typ != typeEndRequest || r.content[4] != 1 {
				t.Fatalf("request 2: record %d %v, want END_REQUEST with FCGI_CANT_MPX_CONN", r.typ, r.content)
			}
			break
		}
	}
	f.stream(typeStdin, 1, []byte("x"), 0, 0)
	if resp := f.readResponse(1); !bytes.HasSuffix(resp.stdout, []byte("chunk 1\n")) {
		t.Fatalf("request 1 after the refusal: %q", resp.stdout)
	}
}

// A request without a body runs on the connection's reader; one whose params leave the length
// open (no CONTENT_LENGTH, or an empty one, with Transfer-Encoding) gets its body streamed to the
// app, however late it comes, as nginx sends a chunked body with request buffering off.
func TestBodyDecidedByParams(t *testing.T) {
	p := startWorker(t, workerOpts{})
	without := func(name string, extra ...[2]string) [][2]string {
		var ps [][2]string
		for _, kv := range params("POST", "/echo", 0) {
			if kv[0] != name {
				ps = append(ps, kv)
			}
		}
		return append(ps, extra...)
	}
	tests := []struct {
		name   string
		params [][2]string
		body   string // sent only after the first response record is awaited briefly
		want   string
	}{
		{name: "length 0", params: params("POST", "/echo", 0), want: ""},
		{name: "empty length, no body (nginx GET)", params: append(without("CONTENT_LENGTH"), [2]string{"CONTENT_LENGTH", ""}), want: ""},
		{name: "no length, chunked", params: without("CONTENT_LENGTH", [2]string{"HTTP_TRANSFER_ENCODING", "chunked"}),
			body: "streamed late", want: "streamed late"},
		{name: "empty length, chunked", params: without("CONTENT_LENGTH", [2]string{"CONTENT_LENGTH", ""}, [2]string{"HTTP_TRANSFER_ENCODING", "chunked"}),
			body: "streamed late", want: "streamed late"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := dial(t, p.bind)
			f.begin(1, false)
			f.stream(typeParams, 1, encodePairs(tc.params), 0, 0)
			if tc.body != "" {
				// The app is waiting for the body: nothing may come back before it is sent.
				f.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				if r, err := f.tryRead(); err == nil {
					t.Fatalf("answered before the body was sent: %+v", r)
				}
				f.c.SetReadDeadline(time.Now().Add(20 * time.Second))
			}
			f.stream(typeStdin, 1, []byte(tc.body), 0, 0)
			if code, _, got := f.readResponse(1).parse(t); code != 200 || string(got) != tc.want {
				t.Fatalf("got %d %q, want 200 %q", code, got, tc.want)
			}
		})
	}
}

// A body whose first STDIN record comes before the empty PARAMS record still
// reaches the app whole (a request without a body shares one empty input; one
// with a body gets its own buffer whenever its first byte arrives).
func TestBodyBeforeEndOfParams(t *testing.T) {
	p := startWorker(t, workerOpts{})
	f := dial(t, p.bind)
	body := "sent early, then late"
	f.begin(1, true)
	f.send(encodeRecord(typeParams, 1, encodePairs(params("POST", "/echo", len(body))), 0))
	f.send(encodeRecord(typeStdin, 1, []byte(body[:11]), 0))
	f.send(encodeRecord(typeParams, 1, nil, 0))
	f.stream(typeStdin, 1, []byte(body[11:]), 0, 0)
	if code, _, got := f.readResponse(1).parse(t); code != 200 || string(got) != body {
		t.Fatalf("got %d %q, want 200 %q", code, got, body)
	}
	// The same connection then serves a GET without a body.
	f.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if code, _, got := f.do("GET", "/echo", nil, true).parse(t); code != 200 || len(got) != 0 {
		t.Fatalf("GET after it: %d %q", code, got)
	}
}
