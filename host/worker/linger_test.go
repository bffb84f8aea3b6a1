package worker

import (
	"bytes"
	"syscall"
	"testing"
	"time"
)

// Regression: without KEEP_CONN, an app that answers without reading a big body must not lose
// its response to a connection reset (the worker closed with unread body bytes queued).
func TestResponseSurvivesUnreadBodyWithoutKeepConn(t *testing.T) {
	for _, tcp := range []bool{true, false} {
		p := startWorker(t, workerOpts{tcp: tcp})
		for i := range 5 {
			f := dial(t, p.bind)
			body := bytes.Repeat([]byte("b"), 4<<20)
			f.startRequest("POST", "/write", len(body), false)
			func() { // the whole body first, then the response (as a simple client does)
				for len(body) > 0 { // errors ignored: the worker may stop reading
					n := min(65535, len(body))
					if _, err := f.c.Write(encodeRecord(typeStdin, 1, body[:n], 0)); err != nil {
						return
					}
					body = body[n:]
				}
				f.c.Write(encodeRecord(typeStdin, 1, nil, 0))
			}()
			var out []byte
			for {
				r, err := f.tryRead()
				if err != nil {
					p.cmd.Process.Signal(syscall.SIGUSR1)
					p.stderr.WaitFor(t, "most recent call first", 5*time.Second)
					t.Logf("worker stacks:\n%s", p.stderr.Text())
					t.Fatalf("tcp=%v try %d: %v after %q", tcp, i, err, out)
				}
				if r.typ == typeEndRequest {
					break
				}
				out = append(out, r.content...)
			}
			if !bytes.HasSuffix(out, []byte("one two three")) {
				t.Fatalf("tcp=%v try %d: got %q", tcp, i, out)
			}
			f.c.Close()
		}
	}
}
