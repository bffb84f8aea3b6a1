package proxy

import (
	"net/http"
	"sync"
	"time"
)

// countingWriter records the status and body bytes of a response for its access
// event, and bounds every write to the client by the write timeout: a client
// that stops reading is dropped instead of holding the connection for ever.
type countingWriter struct {
	http.ResponseWriter
	code    int
	n       int64
	wrote   bool  // headers sent: too late for an error page
	broken  error // the worker failed after the headers went out
	gone    bool  // the client went away (or stopped reading) during the response
	timeout time.Duration
	armed   time.Time // when the write deadline was last set

	// For the request inspector (see inspect.go).
	start, headerAt time.Time
	wait            time.Duration
	mu              sync.Mutex // stderr lines arrive on the worker connection's reader
	stderr          []string
}

// arm moves the write deadline to timeout from now, unless it was set a moment
// ago: one deadline serves the writes of a short response.
func (c *countingWriter) arm() {
	if c.timeout <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(c.armed) < c.timeout/16 {
		return
	}
	c.armed = now
	http.NewResponseController(c.ResponseWriter).SetWriteDeadline(now.Add(c.timeout))
}

// WriteHeader sends the status once; later calls are ignored, so the app's answer
// can follow a streamed deploy page as more body.
func (c *countingWriter) WriteHeader(code int) {
	if c.wrote {
		return
	}
	c.code, c.wrote, c.headerAt = code, true, time.Now()
	c.arm()
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	c.arm()
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// Flush lets streamed responses reach the client as they are produced.
func (c *countingWriter) Flush() { c.FlushError() }

// FlushError is Flush that says when the client is gone.
func (c *countingWriter) FlushError() error {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	c.arm()
	return http.NewResponseController(c.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *countingWriter) status() int {
	if !c.wrote {
		return http.StatusOK
	}
	return c.code
}
