package proxy

import (
	"context"
	"net/http"

	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// backendPool is one generation's way to its workers, in the protocol they speak:
// FastCGI for zoo-dev's worker and fastcgi engines, HTTP for http engines.
type backendPool interface {
	// AddBackend registers a worker (its ID is its pid).
	AddBackend(b fcgi.Backend)
	// Remove stops sending new requests to the worker; requests in flight finish.
	Remove(id int)
	Stats() []fcgi.BackendStats
	// Drain stops taking new requests and waits until none is in flight.
	Drain(ctx context.Context) error
	// Close ends every connection, in flight or idle.
	Close()
	// forward sends r to a worker of the pool with the app mounted at prefix; when
	// it fails before any header was written it writes nothing, and the caller
	// answers with the page for Result.Status.
	forward(w *countingWriter, r *http.Request, prefix string, onStderr func(pid int, line string)) fcgi.Result
}

// newPool returns an empty pool for workers that speak protocol ("fcgi" or "http").
func newPool(protocol string, opts fcgi.Options) backendPool {
	if protocol == "http" {
		return newHTTPPool(opts)
	}
	return fcgiPool{fcgi.NewPool(opts)}
}

// protocolOf is the protocol a generation's workers speak.
func protocolOf(workers []host.Endpoint) string {
	if len(workers) > 0 && workers[0].Protocol == "http" {
		return "http"
	}
	return "fcgi"
}

// fcgiPool forwards through zoo-dev's FastCGI client.
type fcgiPool struct{ *fcgi.Pool }

func (p fcgiPool) forward(w *countingWriter, r *http.Request, prefix string, onStderr func(int, string)) fcgi.Result {
	return fcgi.Forward(w, r, p.Pool, prefix, onStderr)
}
