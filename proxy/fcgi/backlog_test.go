package fcgi

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that does not read holds no slot: the worker's whole answer is taken
// (memory, then the temp file) and the slot is free before the client reads a
// byte; the client then gets every byte, in order.
func TestSlowClientHoldsNoSlot(t *testing.T) {
	srv := startGoServer(t, goHandler(nil))
	p := srv.pool(t, 1, Options{})
	f := startFront(t, p, "")
	const size = 24 << 20 // beyond the socket buffers and backlogMemory: much of it goes through the file
	c, err := net.Dial("tcp", strings.TrimPrefix(f.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /id?i=slow&size=%d HTTP/1.1\r\nHost: x\r\n\r\n", size)

	// The pool has no event for a freed slot: check it every 10 ms, for 30 s at most.
	start := time.Now()
	for p.Stats()[0].Served == 0 {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the slot is still held 30 s after the request: %+v", p.Stats()[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("slot free %s after the request, the client has read nothing", time.Since(start).Round(time.Millisecond))
	if st := p.Stats()[0]; st.InFlight != 0 {
		t.Errorf("slot still in flight: %+v", st)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("after %d of %d bytes: %v", len(body), size, err)
	}
	if want := idBody("slow", size); !bytes.Equal(body, want) {
		t.Errorf("body of %d bytes differs from the worker's %d", len(body), len(want))
	}
}
