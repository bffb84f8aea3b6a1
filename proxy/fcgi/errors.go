// Package fcgi is zoo-dev's FastCGI client: a bounded connection pool per
// generation of workers, one request per connection, streamed in both
// directions. The worker's answer is read as fast as it comes and held for a
// slow client, so a worker's slot is free as soon as the app is done.
package fcgi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// Sentinel errors, so that callers can pick an error page; StatusFor maps them
// to HTTP statuses.
var (
	// ErrNoBackend: the pool has no worker to send the request to (503).
	ErrNoBackend = errors.New("fcgi: no worker available")
	// ErrBusy: every worker stayed busy until the request's deadline (503).
	ErrBusy = errors.New("fcgi: all workers busy")
	// ErrPoolClosed: the pool is draining or closed (503).
	ErrPoolClosed = errors.New("fcgi: pool closed")
	// ErrDial: the worker's socket refused the connection (502).
	ErrDial = errors.New("fcgi: cannot connect to worker")
	// ErrBackendClosed: the worker closed the connection or died mid-request (502).
	ErrBackendClosed = errors.New("fcgi: worker closed the connection")
	// ErrBadResponse: the worker broke the FastCGI or CGI response format (502).
	ErrBadResponse = errors.New("fcgi: bad response from worker")
	// ErrHeaderTooLarge: the response header exceeded Options.MaxHeaderBytes (502).
	ErrHeaderTooLarge = errors.New("fcgi: response header too large")
	// ErrTimeout: a dial, first-byte or idle deadline passed (504).
	ErrTimeout = errors.New("fcgi: worker timed out")
	// ErrParamsTooLarge: one request header does not fit a FastCGI record (431).
	ErrParamsTooLarge = errors.New("fcgi: request header too large")
	// ErrRequestBody: reading the client's request body failed (400).
	ErrRequestBody = errors.New("fcgi: read request body")
	// ErrClientGone: the HTTP client went away (499).
	ErrClientGone = errors.New("fcgi: client went away")
)

// BackendError is a failure of one worker, so the caller can show that worker's
// last stderr lines.
type BackendError struct {
	ID  int // the worker's id given to Pool.Add
	Err error
}

func (e *BackendError) Error() string { return fmt.Sprintf("worker %d: %v", e.ID, e.Err) }

func (e *BackendError) Unwrap() error { return e.Err }

// StatusClientClosed is nginx's status for a client that went away.
const StatusClientClosed = 499

// StatusFor maps an error from Do or Forward to the HTTP status zoo-dev
// answers (or logs, when the client is gone). It is the one place that does.
func StatusFor(err error) int {
	var maxBytes *http.MaxBytesError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrNoBackend), errors.Is(err, ErrBusy), errors.Is(err, ErrPoolClosed):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrClientGone), errors.Is(err, context.Canceled):
		return StatusClientClosed
	case errors.As(err, &maxBytes):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrRequestBody):
		return http.StatusBadRequest
	case errors.Is(err, ErrParamsTooLarge):
		return http.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, ErrDial):
		return http.StatusBadGateway
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return http.StatusGatewayTimeout
	default:
		return http.StatusBadGateway
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
