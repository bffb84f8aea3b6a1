package fcgi

import "fmt"

// FastCGI 1.0 record types and constants (the specification, section 8).
const (
	typeBeginRequest = 1
	typeEndRequest   = 3
	typeParams       = 4
	typeStdin        = 5
	typeStdout       = 6
	typeStderr       = 7

	roleResponder = 1
	flagKeepConn  = 1

	headerLen  = 8
	maxContent = 65535
	// stdinChunk is the content of a full STDIN record: the largest multiple
	// of 8 that fits, so full records need no padding.
	stdinChunk = 65528
	requestID  = 1
)

// Param is one FastCGI name-value pair; a slice keeps them in order.
type Param struct {
	Name, Value string
}

var zeros [8]byte

// padFor is the padding that brings n content bytes to a multiple of 8.
func padFor(n int) int { return -n & 7 }

func appendHeader(b []byte, typ byte, contentLen, padLen int) []byte {
	return append(b, 1, typ, 0, requestID, byte(contentLen>>8), byte(contentLen), byte(padLen), 0)
}

// appendBegin adds BEGIN_REQUEST for a responder that keeps the connection.
func appendBegin(b []byte) []byte {
	b = appendHeader(b, typeBeginRequest, 8, 0)
	return append(b, 0, roleResponder, flagKeepConn, 0, 0, 0, 0, 0)
}

func lenSize(n int) int {
	if n < 128 {
		return 1
	}
	return 4
}

func appendLen(b []byte, n int) []byte {
	if n < 128 {
		return append(b, byte(n))
	}
	return append(b, byte(n>>24)|0x80, byte(n>>16), byte(n>>8), byte(n))
}

// paramsEncoder packs name-value pairs into PARAMS records without ever
// splitting a pair across records (PHP-FPM and flup reject split pairs).
type paramsEncoder struct {
	b     []byte
	start int // offset of the open record's header, -1 when none
	size  int // content bytes in the open record
}

func (e *paramsEncoder) add(name, value string) error {
	n := lenSize(len(name)) + lenSize(len(value)) + len(name) + len(value)
	if n > maxContent {
		return fmt.Errorf("param %s (%d bytes): %w", name, n, ErrParamsTooLarge)
	}
	if e.start >= 0 && e.size+n > maxContent {
		e.closeRecord()
	}
	if e.start < 0 {
		e.start, e.size = len(e.b), 0
		e.b = append(e.b, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	e.b = appendLen(e.b, len(name))
	e.b = appendLen(e.b, len(value))
	e.b = append(e.b, name...)
	e.b = append(e.b, value...)
	e.size += n
	return nil
}

func (e *paramsEncoder) closeRecord() {
	pad := padFor(e.size)
	appendHeader(e.b[e.start:e.start], typeParams, e.size, pad)
	e.b = append(e.b, zeros[:pad]...)
	e.start = -1
}

// finish closes the open record and ends the PARAMS stream.
func (e *paramsEncoder) finish() []byte {
	if e.start >= 0 {
		e.closeRecord()
	}
	return appendHeader(e.b, typeParams, 0, 0)
}

// appendRequest encodes BEGIN_REQUEST, the params with CONTENT_LENGTH set to
// length (any CONTENT_LENGTH in params is replaced), the empty PARAMS record
// and, for a request without a body, the empty STDIN record: one write. A token is
// sent as the TokenParam param.
func appendRequest(b []byte, params []Param, length int64, token string) ([]byte, error) {
	e := paramsEncoder{b: appendBegin(b), start: -1}
	for _, p := range params {
		if p.Name == "CONTENT_LENGTH" {
			continue
		}
		if err := e.add(p.Name, p.Value); err != nil {
			return b, err
		}
	}
	var num [20]byte
	if err := e.add("CONTENT_LENGTH", string(appendInt(num[:0], length))); err != nil {
		return b, err
	}
	if token != "" {
		if err := e.add(TokenParam, token); err != nil {
			return b, err
		}
	}
	b = e.finish()
	if length == 0 {
		b = appendHeader(b, typeStdin, 0, 0)
	}
	return b, nil
}

func appendInt(b []byte, n int64) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}
