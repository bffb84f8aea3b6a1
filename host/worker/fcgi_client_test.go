package worker

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A minimal FastCGI client for the tests: enough to drive the worker record by record.

const (
	typeBeginRequest    = 1
	typeAbortRequest    = 2
	typeEndRequest      = 3
	typeParams          = 4
	typeStdin           = 5
	typeStdout          = 6
	typeStderr          = 7
	typeGetValues       = 9
	typeGetValuesResult = 10
	typeUnknownType     = 11
)

type record struct {
	typ     uint8
	id      uint16
	content []byte
}

type fconn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

// dial connects to a worker's bind address ("unix:/path" or "tcp:host:port") with a deadline
// for the whole conversation, so a broken worker fails the test instead of hanging it.
func dial(t *testing.T, bind string) *fconn {
	t.Helper()
	network, addr, _ := strings.Cut(bind, ":")
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatalf("dial %s: %v", bind, err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &fconn{t: t, c: c, r: bufio.NewReader(c)}
}

func encodeRecord(typ uint8, id uint16, content []byte, pad int) []byte {
	h := []byte{1, typ, byte(id >> 8), byte(id), byte(len(content) >> 8), byte(len(content)), byte(pad), 0}
	return append(append(h, content...), make([]byte, pad)...)
}

func (f *fconn) send(b []byte) {
	f.t.Helper()
	if _, err := f.c.Write(b); err != nil {
		f.t.Fatalf("write: %v", err)
	}
}

func (f *fconn) begin(id uint16, keep bool) {
	flags := byte(0)
	if keep {
		flags = 1
	}
	f.send(encodeRecord(typeBeginRequest, id, []byte{0, 1, flags, 0, 0, 0, 0, 0}, 0))
}

func encodePairs(pairs [][2]string) []byte {
	var b []byte
	for _, p := range pairs {
		for _, n := range []int{len(p[0]), len(p[1])} {
			if n < 128 {
				b = append(b, byte(n))
			} else {
				b = binary.BigEndian.AppendUint32(b, uint32(n)|1<<31)
			}
		}
		b = append(append(b, p[0]...), p[1]...)
	}
	return b
}

func decodePairs(b []byte) map[string]string {
	out := map[string]string{}
	for len(b) > 0 {
		var lens [2]int
		for i := range lens {
			if b[0] < 128 {
				lens[i], b = int(b[0]), b[1:]
			} else {
				lens[i], b = int(binary.BigEndian.Uint32(b)&0x7fffffff), b[4:]
			}
		}
		out[string(b[:lens[0]])] = string(b[lens[0] : lens[0]+lens[1]])
		b = b[lens[0]+lens[1]:]
	}
	return out
}

// stream sends data as records of at most split bytes (65535 when split is 0), each padded by
// pad bytes, then the empty record that ends the stream.
func (f *fconn) stream(typ uint8, id uint16, data []byte, split, pad int) {
	if split <= 0 || split > 65535 {
		split = 65535
	}
	var out []byte
	for len(data) > 0 {
		n := min(split, len(data))
		out = append(out, encodeRecord(typ, id, data[:n], pad)...)
		data = data[n:]
		if len(out) > 1<<20 {
			f.send(out)
			out = out[:0]
		}
	}
	f.send(append(out, encodeRecord(typ, id, nil, 0)...))
}

func (f *fconn) read() record {
	f.t.Helper()
	r, err := f.tryRead()
	if err != nil {
		f.t.Fatalf("read record: %v", err)
	}
	return r
}

func (f *fconn) tryRead() (record, error) {
	var h [8]byte
	if _, err := io.ReadFull(f.r, h[:]); err != nil {
		return record{}, err
	}
	if h[0] != 1 {
		return record{}, fmt.Errorf("bad version %d", h[0])
	}
	n, pad := int(binary.BigEndian.Uint16(h[4:])), int(h[6])
	if (n+pad)%8 != 0 {
		return record{}, fmt.Errorf("record of %d bytes padded by %d: not a multiple of 8", n, pad)
	}
	body := make([]byte, n+pad)
	if _, err := io.ReadFull(f.r, body); err != nil {
		return record{}, err
	}
	return record{typ: h[1], id: binary.BigEndian.Uint16(h[2:]), content: body[:n]}, nil
}

// response is what came back for one request.
type response struct {
	stdout, stderr []byte
	appStatus      uint32
	protoStatus    uint8
	records        int // STDOUT records
}

// readResponse reads records of request id until its END_REQUEST.
func (f *fconn) readResponse(id uint16) response {
	f.t.Helper()
	var resp response
	for {
		r := f.read()
		if r.id != id {
			f.t.Fatalf("record type %d for request %d, want %d", r.typ, r.id, id)
		}
		switch r.typ {
		case typeStdout:
			resp.stdout = append(resp.stdout, r.content...)
			resp.records++
		case typeStderr:
			resp.stderr = append(resp.stderr, r.content...)
		case typeEndRequest:
			resp.appStatus = binary.BigEndian.Uint32(r.content)
			resp.protoStatus = r.content[4]
			return resp
		default:
			f.t.Fatalf("unexpected record type %d", r.typ)
		}
	}
}

// params returns the CGI parameters of a request for uri (path and query, not escaped here).
func params(method, uri string, body int) [][2]string {
	path, query, _ := strings.Cut(uri, "?")
	return [][2]string{
		{"REQUEST_METHOD", method}, {"SCRIPT_NAME", ""}, {"PATH_INFO", path},
		{"QUERY_STRING", query}, {"REQUEST_URI", uri}, {"SERVER_NAME", "127.0.0.1"},
		{"SERVER_PORT", "80"}, {"SERVER_PROTOCOL", "HTTP/1.1"}, {"REMOTE_ADDR", "127.0.0.1"},
		{"CONTENT_LENGTH", strconv.Itoa(body)}, {"CONTENT_TYPE", "application/octet-stream"},
	}
}

// startRequest sends BEGIN_REQUEST and PARAMS for request id 1.
func (f *fconn) startRequest(method, uri string, bodyLen int, keep bool) {
	f.begin(1, keep)
	f.stream(typeParams, 1, encodePairs(params(method, uri, bodyLen)), 0, 0)
}

// do runs one whole request with request id 1.
func (f *fconn) do(method, uri string, body []byte, keep bool) response {
	f.t.Helper()
	f.startRequest(method, uri, len(body), keep)
	f.stream(typeStdin, 1, body, 0, 0)
	return f.readResponse(1)
}

// parse splits a CGI response into status, header and body.
func (r response) parse(t *testing.T) (int, http.Header, []byte) {
	t.Helper()
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(r.stdout)))
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("parse CGI header of %q: %v", r.stdout, err)
	}
	code := 200
	if s := h.Get("Status"); s != "" {
		code, _ = strconv.Atoi(strings.Fields(s)[0])
	}
	rest, _ := io.ReadAll(tp.R)
	return code, http.Header(h), rest
}
