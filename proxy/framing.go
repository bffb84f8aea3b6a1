package proxy

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// Request smuggling: a request with both Transfer-Encoding and Content-Length
// (or Transfer-Encoding in HTTP/1.0) is framed one way by one server and
// another way by the next, and its body can hide a second request. Go's
// net/http follows Transfer-Encoding, drops the Content-Length header and keeps
// the connection open, so the hidden request would reach the app and the
// handler could no longer tell. framedConn watches the bytes of every request
// as they arrive, the way net/http frames them, and remembers a conflict; the
// handler then answers 400 and closes the connection (RFC 9112 §6.1), before
// anything reaches the app.

// framedListener wraps every accepted connection in a framedConn.
type framedListener struct{ net.Listener }

func (l framedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framedConn{Conn: c}, nil
}

// framedConn scans the request stream of one connection.
type framedConn struct {
	net.Conn
	scan     framingScanner // touched only by Read; net/http never reads concurrently
	conflict atomic.Bool
}

func (c *framedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.conflict.Load() && c.scan.feed(p[:n]) {
		c.conflict.Store(true)
	}
	return n, err
}

// CloseWrite lets net/http half-close the connection after refusing a request,
// so that the client reads the refusal before the connection goes.
func (c *framedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

type connKey struct{}

// connContext makes the connection reachable from its requests.
func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// conflictingFraming reports whether r's connection has sent a request with
// conflicting framing. Only requests that can carry one are checked: chunked
// ones (net/http drops Transfer-Encoding from the header) and HTTP/1.0 ones.
func conflictingFraming(r *http.Request) bool {
	if r.TransferEncoding == nil && r.ProtoAtLeast(1, 1) {
		return false
	}
	fc, _ := r.Context().Value(connKey{}).(*framedConn)
	return fc != nil && fc.conflict.Load()
}

// framingScanner follows request framing across reads: header blocks, bodies
// of a Content-Length, chunked bodies and their trailers.
type framingScanner struct {
	state  int
	line   []byte   // the start of the current line (enough to know the header)
	lineNo int      // of the current header block
	last   [10]byte // the end of a request line: " HTTP/1.0\r"
	lastN  int
	http10 bool
	te, cl bool
	length int64 // Content-Length, or the rest of a chunk with its CRLF
}

const (
	scanHead = iota
	scanBody
	scanChunkSize
	scanChunkData
	scanTrailer
	scanLost // framing net/http will refuse too: it closes the connection
)

const lineKeep = 64

// feed scans p; true means a request with conflicting framing was seen.
func (s *framingScanner) feed(p []byte) bool {
	for len(p) > 0 && s.state != scanLost {
		switch s.state {
		case scanBody, scanChunkData:
			k := int64(len(p))
			if k > s.length {
				k = s.length
			}
			p, s.length = p[k:], s.length-k
			if s.length == 0 && s.state == scanBody {
				s.state = scanHead
			} else if s.length == 0 {
				s.state = scanChunkSize
			}
			continue
		}
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		if room := lineKeep - len(s.line); room > 0 {
			s.line = append(s.line, seg[:min(room, len(seg))]...)
		}
		if s.state == scanHead && s.lineNo == 0 {
			s.keepLast(seg)
		}
		if i < 0 {
			return false
		}
		p = p[i+1:]
		if s.endLine() {
			return true
		}
		s.line = s.line[:0]
	}
	return false
}

// keepLast keeps the last bytes of the request line seen so far.
func (s *framingScanner) keepLast(seg []byte) {
	if len(seg) >= len(s.last) {
		s.lastN = copy(s.last[:], seg[len(seg)-len(s.last):])
		return
	}
	keep := min(s.lastN, len(s.last)-len(seg))
	copy(s.last[:keep], s.last[s.lastN-keep:s.lastN])
	s.lastN = keep + copy(s.last[keep:], seg)
}

// endLine handles a complete line; true on conflicting framing.
func (s *framingScanner) endLine() bool {
	line := bytes.TrimSuffix(s.line, []byte{'\r'})
	switch s.state {
	case scanHead:
		return s.headerLine(line)
	case scanChunkSize:
		size, ok := chunkSize(line)
		switch {
		case !ok:
			s.state = scanLost
		case size == 0:
			s.state = scanTrailer
		default:
			s.state, s.length = scanChunkData, size+2 // the data, then CRLF
		}
	case scanTrailer:
		if len(line) == 0 {
			s.state = scanHead
		}
	}
	return false
}

func (s *framingScanner) headerLine(line []byte) bool {
	if s.lineNo == 0 && len(line) == 0 {
		return false // blank lines before a request are skipped, as net/http does
	}
	s.lineNo++
	if s.lineNo == 1 {
		s.http10 = bytes.HasSuffix(bytes.TrimSuffix(s.last[:s.lastN], []byte{'\r'}), []byte(" HTTP/1.0"))
		s.lastN = 0
		return false
	}
	switch {
	case len(line) == 0:
		return s.endHead()
	case hasPrefixFold(line, "transfer-encoding:"):
		s.te = true
	case hasPrefixFold(line, "content-length:"):
		s.cl = true
		s.length, _ = parseLength(bytes.TrimSpace(line[len("content-length:"):]))
	}
	return false
}

// endHead decides how the body of the request just read is framed.
func (s *framingScanner) endHead() bool {
	te, cl, http10, length := s.te, s.cl, s.http10, s.length
	s.lineNo, s.te, s.cl, s.http10, s.length = 0, false, false, false, 0
	switch {
	case te && (cl || http10):
		s.state = scanLost
		return true
	case te:
		s.state = scanChunkSize
	case length > 0:
		s.state, s.length = scanBody, length
	}
	return false
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// chunkSize reads "1a;ext" as net/http does.
func chunkSize(line []byte) (int64, bool) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 16 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | int64(c)
	}
	return n, n >= 0
}
