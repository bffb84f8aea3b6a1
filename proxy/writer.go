package proxy

import (
	"net/http"
	"sync"
	"time"
)

// countingWriter records the status and body bytes of a response for its access event.
type countingWriter struct {
	http.ResponseWriter
	code   int
	n      int64
	wrote  bool  // headers sent: too late for an error page
	broken error // the worker failed after the headers went out

	// For the request inspector (see inspect.go).
	start, headerAt time.Time
	wait            time.Duration
	mu              sync.Mutex // stderr lines arrive on the worker connection's reader
	stderr          []string
}

// WriteHeader sends the status once; later calls are ignored, so the app's answer
// can follow a streamed deploy page as more body.
func (c *countingWriter) WriteHeader(code int) {
	if c.wrote {
		return
	}
	c.code, c.wrote, c.headerAt = code, true, time.Now()
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// Flush lets streamed responses reach the client as they are produced.
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		if !c.wrote {
			c.WriteHeader(http.StatusOK)
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *countingWriter) status() int {
	if !c.wrote {
		return http.StatusOK
	}
	return c.code
}
