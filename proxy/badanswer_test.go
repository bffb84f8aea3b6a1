package proxy

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// record encodes one FastCGI record with request id 1 (version 1 unless set).
func record(typ byte, content []byte) []byte {
	return recordAs(1, typ, 1, content)
}

func recordAs(version, typ byte, id uint16, content []byte) []byte {
	h := []byte{version, typ, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(h[2:], id)
	binary.BigEndian.PutUint16(h[4:], uint16(len(content)))
	return append(h, content...)
}

var endRequest = record(3, []byte{0, 0, 0, 0, 0, 0, 0, 0})

// badAnswers are broken answers of a FastCGI backend, each with the status the
// client gets and words its one log line must hold. Status 0: the header went
// out, then the response is cut, and the client sees an error.
var badAnswers = []struct {
	name   string
	answer []byte // nil: say nothing and keep the connection open
	status int
	reason string
	closed bool // the worker closed the connection: its last stderr lines are worth a look
}{
	{"wrong version byte", recordAs(2, 6, 1, []byte("Status: 200\r\n\r\nhi")), 502, "record version 2", false},
	{"wrong request id", recordAs(1, 6, 7, []byte("Status: 200\r\n\r\nhi")), 502, "request id 7", false},
	{"truncated record", record(6, []byte("Status: 200\r\n\r\nhi"))[:12], 502, "closed the connection", true},
	{"silent close", []byte{}, 502, "closed the connection", true},
	{"unknown record type", record(11, make([]byte, 8)), 502, "unexpected record type 11", false},
	{"short END_REQUEST", record(3, []byte{0, 0}), 502, "unexpected record type 3", false},
	{"bad Status", append(record(6, []byte("Status: abc\r\n\r\n")), endRequest...), 502, `status "abc"`, false},
	{"header line without colon", append(record(6, []byte("garbage\r\n\r\n")), endRequest...), 502, `header line "garbage"`, false},
	{"1 MiB header line", bigHeader(), 502, "response header too large", false},
	{"end inside the header", append(record(6, []byte("Content-Type: text/plain\r\n")), endRequest...), 502, "ended inside the header", false},
	{"rejected after the header", append(record(6, []byte("Status: 200\r\n\r\n")), record(3, []byte{0, 0, 0, 0, 1, 0, 0, 0})...), 0, "response cut off: fcgi: bad response from worker: request rejected, protocol status 1", false},
	{"no answer", nil, 504, "no answer within", false},
}

func bigHeader() []byte {
	var b []byte
	line := []byte("X-Big: " + strings.Repeat("a", 1<<20))
	for len(line) > 0 {
		n := min(len(line), 65528)
		b = append(b, record(6, line[:n])...)
		line = line[n:]
	}
	return b
}

// fakeBackend answers every request on ln with the answer of the case named by
// its path, once the request's records have arrived.
func fakeBackend(t *testing.T, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			defer c.Close()
			params, err := readRequest(c)
			if err != nil {
				return
			}
			for _, a := range badAnswers {
				if bytes.Contains(params, []byte("/"+strings.ReplaceAll(a.name, " ", "-"))) {
					if a.answer == nil {
						io.Copy(io.Discard, c) // hold on until zoo-dev gives up
						return
					}
					c.Write(a.answer)
					return
				}
			}
		}(c)
	}
}

// readRequest reads records up to the empty STDIN record and returns the params.
func readRequest(c net.Conn) ([]byte, error) {
	var params []byte
	h := make([]byte, 8)
	for {
		if _, err := io.ReadFull(c, h); err != nil {
			return nil, err
		}
		body := make([]byte, int(binary.BigEndian.Uint16(h[4:]))+int(h[6]))
		if _, err := io.ReadFull(c, body); err != nil {
			return nil, err
		}
		if h[1] == 4 {
			params = append(params, body...)
		}
		if h[1] == 5 && len(body) == 0 {
			return params, nil
		}
	}
}

// Each broken FastCGI answer gets its 502 (504 for none, a cut response once the
// header went out) and one log line with
// the worker's pid and the reason; the access event carries the pid; and only a
// worker that closed the connection is asked for its last stderr lines (which
// waits while it may be dying).
func TestBrokenAnswersAreExplained(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go fakeBackend(t, ln)
	a := &config.App{Name: "web", Path: "/", RequestTimeout: time.Second, StartTimeout: 5 * time.Second}
	bus := event.NewBus()
	sub := bus.Subscribe(1024)
	srv := New(&config.Site{Apps: []*config.App{a}}, bus)
	var asked atomic.Int32
	srv.SetStatus("web", host.Status{State: event.StateRunning, Gen: 1})
	srv.Serve("web", 1, []host.Endpoint{{PID: 4242, Network: "tcp", Address: ln.Addr().String(), MaxConns: 4, KeepConn: true,
		Died: func(time.Time) (string, []string, bool) {
			asked.Add(1)
			return "exited with status 1", []string{"last words"}, true
		}}})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, c := range badAnswers {
		t.Run(c.name, func(t *testing.T) {
			asked.Store(0)
			sub.Drain(nil)
			path := "/" + strings.ReplaceAll(c.name, " ", "-")
			start := time.Now()
			status, page := 0, ""
			resp, err := http.Get(hs.URL + path)
			if err == nil {
				status = resp.StatusCode
				var b []byte
				b, err = io.ReadAll(resp.Body)
				page = string(b)
				resp.Body.Close()
			}
			took := time.Since(start)
			if status != c.status || (err != nil) != (c.status == 0) {
				t.Errorf("status %d, error %v; want status %d", status, err, c.status)
			}
			if resp != nil && c.status == 502 && strings.Contains(page, "starts a new one") != c.closed {
				t.Errorf("the page promises a new worker for a worker that is alive, or not for one that is gone:\n%s", page)
			}
			line, access := failureEvents(t, sub, path)
			t.Logf("%s: %d in %s: %q", c.name, status, took.Round(time.Millisecond), line)
			if !strings.Contains(line, "from worker 4242") || !strings.Contains(line, c.reason) {
				t.Errorf("log line %q lacks the pid or %q", line, c.reason)
			}
			if access != 4242 {
				t.Errorf("access event pid=%d, want 4242", access)
			}
			if got := asked.Load() > 0; got != c.closed {
				t.Errorf("asked for the worker's stderr: %v, want %v", got, c.closed)
			}
		})
	}
}

// failureEvents waits for the request's access event and returns the error line
// published before it and the access event's worker.
func failureEvents(t *testing.T, sub *event.Sub, path string) (string, int) {
	t.Helper()
	var line string
	deadline := time.After(30 * time.Second)
	for {
		evs, _ := sub.Drain(nil)
		for _, e := range evs {
			switch {
			case e.Kind == event.KindLog && e.Level == event.LevelError && strings.Contains(e.Text, path):
				line = e.Text
			case e.Kind == event.KindRequest && e.Request.Path == path:
				return line, e.Request.Worker
			}
		}
		select {
		case <-sub.Ready():
		case <-deadline:
			t.Fatalf("no access event for %s", path)
		}
	}
}
