package fcgi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
)

// readHeader reads the CGI response header from STDOUT, at most limit bytes;
// the body bytes that came with it are kept for Read.
func (x *exchange) readHeader(limit int) (int, http.Header, error) {
	buf := x.c.hbuf[:0]
	defer func() { x.c.hbuf = buf[:0] }()
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= limit {
				return 0, nil, fmt.Errorf("more than %d bytes: %w", limit, ErrHeaderTooLarge)
			}
			grown := make([]byte, len(buf), min(limit, 2*cap(buf)+4096))
			copy(grown, buf)
			buf = grown
		}
		from := max(0, len(buf)-3)
		n, err := x.readStdout(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if end, next := headerEnd(buf, from); end >= 0 {
			x.leftover = buf[next:]
			return parseHeader(buf[:end])
		}
		if err == io.EOF {
			return 0, nil, fmt.Errorf("%w: response ended inside the header", ErrBadResponse)
		}
		if err != nil {
			return 0, nil, err
		}
	}
}

// headerEnd finds the blank line that ends a header ("\n\n" or "\n\r\n"),
// searching from the given offset; it returns where the header ends and the
// body starts, or -1.
func headerEnd(b []byte, from int) (end, next int) {
	for i := bytes.IndexByte(b[from:], '\n'); i >= 0; i = bytes.IndexByte(b[from:], '\n') {
		at := from + i
		rest := b[at+1:]
		switch {
		case len(rest) >= 1 && rest[0] == '\n':
			return at + 1, at + 2
		case len(rest) >= 2 && rest[0] == '\r' && rest[1] == '\n':
			return at + 1, at + 3
		}
		from = at + 1
	}
	return -1, -1
}

// parseHeader reads CGI header lines; "Status:" sets the status, a Location
// without one means 302, as in CGI (RFC 3875 §6.3).
func parseHeader(block []byte) (int, http.Header, error) {
	h := make(http.Header, 8)
	for len(block) > 0 {
		line, rest, _ := bytes.Cut(block, []byte{'\n'})
		block = rest
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(k) == 0 || line[0] == ' ' || line[0] == '\t' {
			return 0, nil, fmt.Errorf("%w: header line %q", ErrBadResponse, line)
		}
		key := textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(k)))
		h[key] = append(h[key], string(bytes.TrimSpace(v)))
	}
	code := http.StatusOK
	if s := h.Get("Status"); s != "" {
		n, err := strconv.Atoi(s[:min(3, len(s))])
		if err != nil || n < 100 || n > 999 {
			return 0, nil, fmt.Errorf("%w: status %q", ErrBadResponse, s)
		}
		code = n
		delete(h, "Status")
	} else if h.Get("Location") != "" {
		code = http.StatusFound
	}
	return code, h, nil
}

// lineSplitter turns STDERR content into lines as they complete; a line
// longer than 64 KiB is cut there.
type lineSplitter struct {
	fn      func(worker int, line string)
	worker  int
	partial []byte
}

func (s *lineSplitter) write(b []byte) {
	if s.fn == nil {
		return
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		if len(s.partial) > 0 {
			s.partial = append(s.partial, b[:i]...)
			s.emit(s.partial)
			s.partial = s.partial[:0]
		} else {
			s.emit(b[:i])
		}
		b = b[i+1:]
	}
	s.partial = append(s.partial, b...)
	if len(s.partial) >= 64<<10 {
		s.flush()
	}
}

func (s *lineSplitter) emit(line []byte) {
	s.fn(s.worker, string(bytes.TrimRight(line, "\r")))
}

// flush delivers a last line without a newline.
func (s *lineSplitter) flush() {
	if s.fn != nil && len(s.partial) > 0 {
		s.emit(s.partial)
		s.partial = s.partial[:0]
	}
}
