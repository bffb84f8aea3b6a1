package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// bodyMemory is how much of a request body is read into memory; the rest goes
// to a temp file.
const bodyMemory = 1 << 20

// errBodyTimeout: the client sent nothing of its body for the body timeout.
var errBodyTimeout = errors.New("no body bytes arrived in time")

// bodyReader reads a request body with a deadline before every read and the
// site's size limit.
type bodyReader struct {
	r       io.Reader
	rc      *http.ResponseController
	timeout time.Duration
}

func (b *bodyReader) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	n, err := b.r.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("%w: %w", errBodyTimeout, err)
	}
	return n, err
}

func (b *bodyReader) Close() error { return nil }

// takeBody prepares r's body for the worker. By default the whole body is read
// first (nginx's proxy_request_buffering), so a slow upload holds no worker:
// into memory up to bodyMemory, then into an unlinked temp file. With
// stream_uploads the body goes on as it arrives. It returns the request to
// forward and a cleanup, or answers itself and returns nil.
func (s *Server) takeBody(w *countingWriter, r *http.Request) (*http.Request, func()) {
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return r, noCleanup
	}
	rc := http.NewResponseController(w)
	if r.ContentLength > s.limits.MaxBodySize {
		refuseBody(w, r, rc, pageTooLarge(r.ContentLength, s.limits.MaxBodySize))
		return nil, nil
	}
	body := &bodyReader{r: http.MaxBytesReader(w, r.Body, s.limits.MaxBodySize), rc: rc, timeout: s.limits.BodyTimeout}
	r2 := new(http.Request)
	*r2 = *r
	if s.limits.StreamUploads {
		r2.Body = body
		return r2, func() { rc.SetReadDeadline(time.Time{}) }
	}
	data, n, cleanup, err := readBody(body, r.ContentLength)
	if err != nil {
		refuseBody(w, r, rc, s.pageBodyError(err))
		return nil, nil
	}
	rc.SetReadDeadline(time.Time{}) // net/http's own read watches the connection from here on
	r2.Body, r2.ContentLength = io.NopCloser(data), n
	return r2, cleanup
}

func noCleanup() {}

// refuseBody answers a body zoo-dev will not take and closes the connection
// without reading the rest of the body: net/http would wait for it otherwise.
func refuseBody(w *countingWriter, r *http.Request, rc *http.ResponseController, p page) {
	w.Header().Set("Connection", "close")
	writePage(w, r, p)
	rc.SetReadDeadline(time.Now())
}

// readBody reads body to its end: length bytes (-1: unknown) into memory up to
// bodyMemory, the rest into a temp file removed from its folder at once, so
// nothing stays behind even when zoo-dev is killed.
func readBody(body io.Reader, length int64) (io.Reader, int64, func(), error) {
	if length > 0 && length <= bodyMemory {
		buf := make([]byte, length)
		_, err := io.ReadFull(body, buf)
		return bytes.NewReader(buf), length, noCleanup, err
	}
	head, err := io.ReadAll(io.LimitReader(body, bodyMemory+1))
	if err != nil || len(head) <= bodyMemory {
		return bytes.NewReader(head), int64(len(head)), noCleanup, err
	}
	f, err := os.CreateTemp("", "zoo-dev-body-*")
	if err != nil {
		return nil, 0, noCleanup, fmt.Errorf("keep the request body: %w", err)
	}
	os.Remove(f.Name())
	cleanup := func() { f.Close() }
	n, err := f.Write(head)
	if err == nil {
		var rest int64
		rest, err = io.Copy(f, body)
		n += int(rest)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, noCleanup, err
	}
	return f, int64(n), cleanup, nil
}

func pageTooLarge(length, limit int64) page {
	return page{Status: http.StatusRequestEntityTooLarge, Title: "Request Body Too Large",
		Message: fmt.Sprintf("The request body (%d bytes) is larger than zoo-dev's limit of %d bytes. Raise it with max_body_size in zoo.toml or --max-body-size.", length, limit)}
}

// pageBodyError answers a body that did not arrive whole.
func (s *Server) pageBodyError(err error) page {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return page{Status: http.StatusRequestEntityTooLarge, Title: "Request Body Too Large",
			Message: fmt.Sprintf("The request body is larger than zoo-dev's limit of %d bytes. Raise it with max_body_size in zoo.toml or --max-body-size.", tooLarge.Limit)}
	case errors.Is(err, errBodyTimeout):
		return page{Status: http.StatusRequestTimeout, Title: "Request Timeout",
			Message: fmt.Sprintf("Nothing of the request body arrived for %s. Raise the limit with body_timeout in zoo.toml or --body-timeout.", s.limits.BodyTimeout)}
	}
	return page{Status: http.StatusBadRequest, Title: "Bad Request",
		Message: fmt.Sprintf("The request body could not be read: %v.", err)}
}
