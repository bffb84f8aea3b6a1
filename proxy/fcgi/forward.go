package fcgi

import (
	"net/http"
	"sync"
	"time"
)

// Result says how one forwarded request went, for the access log.
type Result struct {
	Status  int   // the status sent, or the one the caller should send when Err is set before any header
	Bytes   int64 // body bytes written to the client
	Backend int   // the worker's id, 0 when none was reached
	Started bool  // the response header was written: too late for an error page
	Err     error // non-nil when no response or only part of one reached the client

	Wait time.Duration // how long the request waited for a free worker slot
}

// hopHeaders are per-connection headers that a gateway does not pass on.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// Forward serves r through the pool with the app mounted at scriptName: the
// body streams to the worker while the response streams back, flushed to the
// client whenever the worker has nothing more to read yet. When it fails
// before any header was written it writes nothing: the caller renders the
// error page for Result.Status.
func Forward(w http.ResponseWriter, r *http.Request, p *Pool, scriptName string, onStderr func(worker int, line string)) Result {
	rc := http.NewResponseController(w)
	rc.EnableFullDuplex() // read the request body while the response is written
	rl := &relay{w: w, rc: rc}
	req := &Request{Params: BuildParams(r, scriptName), Body: r.Body, ContentLength: r.ContentLength,
		Stderr: onStderr, BeforeWait: rl.wait}
	if r.Body == nil || r.Body == http.NoBody {
		req.Body, req.ContentLength = nil, 0
	}
	resp, err := p.Do(r.Context(), req)
	if err != nil {
		return Result{Status: StatusFor(err), Err: err}
	}
	res := Result{Status: resp.StatusCode, Backend: resp.Backend, Started: true, Wait: resp.Wait}
	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
	w.WriteHeader(resp.StatusCode)
	res.Bytes, res.Err = rl.stream(resp)
	resp.Body.Close()
	finishBody(rc, resp.StdinDone())
	return res
}

// stdinGrace is how long a finished response waits for the rest of a request
// body that is still on its way before it stops reading it.
const stdinGrace = 250 * time.Millisecond

// finishBody makes sure nothing reads the request body after the handler
// returns. A body still arriving when the worker has answered gets a moment
// to end (the last record is usually in flight); then reading it stops.
func finishBody(rc *http.ResponseController, done <-chan struct{}) {
	select {
	case <-done:
		return
	default:
	}
	t := time.NewTimer(stdinGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		if rc.SetReadDeadline(time.Now()) == nil {
			<-done
		}
	}
}
