package proxy

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// keptBody is a request body read through: the first event.BodyKeepLimit bytes are
// kept so the dashboard can show and replay a small request.
type keptBody struct {
	io.ReadCloser
	mu   sync.Mutex // a failed exchange may still be reading when the event is made
	buf  bytes.Buffer
	over bool // more than the limit went through: not kept
	eof  bool
}

func (k *keptBody) Read(p []byte) (int, error) {
	n, err := k.ReadCloser.Read(p)
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.over {
		if k.buf.Len()+n > event.BodyKeepLimit {
			k.over = true
			k.buf = bytes.Buffer{}
		} else {
			k.buf.Write(p[:n])
		}
	}
	if err == io.EOF {
		k.eof = true
	}
	return n, err
}

// keepBody wraps r's body so that a small one is kept; nil when there is none.
func keepBody(r *http.Request) *keptBody {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength > event.BodyKeepLimit {
		return nil
	}
	k := &keptBody{ReadCloser: r.Body}
	r.Body = k
	return k
}

// fullURL is the URL the client asked for (absolute-form request URIs are one already).
func fullURL(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "http://") || strings.HasPrefix(r.RequestURI, "https://") {
		return r.RequestURI
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.RequestURI
}

func (c *countingWriter) addStderr(line string) {
	c.mu.Lock()
	if len(c.stderr) < event.StderrKeepLimit {
		c.stderr = append(c.stderr, line)
	}
	c.mu.Unlock()
}

// info is the request's event: the access line's fields and the inspector's details.
func (c *countingWriter) info(r *http.Request, body *keptBody, status, worker int) *event.RequestInfo {
	ri := &event.RequestInfo{
		Method: r.Method, Path: r.RequestURI, Status: status, Bytes: c.n,
		Duration: time.Since(c.start), Worker: worker,
		URL: fullURL(r), Proto: r.Proto, Wait: c.wait,
		ReqHeader: r.Header.Clone(), RespHeader: c.Header().Clone(),
	}
	if !c.headerAt.IsZero() {
		ri.FirstByte = c.headerAt.Sub(c.start)
	}
	if body == nil {
		ri.BodyKept = r.ContentLength <= 0 // no body at all: a replay sends none either
	} else {
		body.mu.Lock()
		if !body.over && (body.eof || int64(body.buf.Len()) == r.ContentLength) {
			ri.Body, ri.BodyKept = bytes.Clone(body.buf.Bytes()), true
		}
		body.mu.Unlock()
	}
	c.mu.Lock()
	ri.Stderr = append([]string(nil), c.stderr...)
	c.mu.Unlock()
	return ri
}
