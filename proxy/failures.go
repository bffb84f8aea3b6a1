package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// logFailure writes the one line that explains a 502 or 504: the worker's pid and
// what went wrong (the protocol error, the closed connection, the timeout).
func (s *Server) logFailure(rt *route, r *http.Request, status, pid int, err error) {
	if status != http.StatusBadGateway && status != http.StatusGatewayTimeout {
		return
	}
	s.bus.Publish(event.Event{App: rt.cfg.Name, Kind: event.KindLog, Source: event.SourceZoo,
		Level: event.LevelError, Worker: pid,
		Text: fmt.Sprintf("%s %s: %d from worker %d: %v", r.Method, r.RequestURI, status, pid, errors.Unwrap(err))})
}

// refuseFraming answers a request whose connection sent conflicting framing and
// closes the connection; nothing of it reaches the app.
func (s *Server) refuseFraming(w *countingWriter, r *http.Request, rt *route) {
	s.bus.Publish(event.Event{App: s.appFor(rt), Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelWarn,
		Text: fmt.Sprintf("refused a request from %s with conflicting framing (Transfer-Encoding with Content-Length, or in HTTP/1.0): 400, connection closed", r.RemoteAddr)})
	w.Header().Set("Connection", "close")
	writePage(w, r, page{Status: http.StatusBadRequest, Title: "Bad Request",
		Message: "The request has both Transfer-Encoding and Content-Length, or Transfer-Encoding in HTTP/1.0: " +
			"servers can read such a message differently, and a second request can hide in its body (request smuggling). " +
			"zoo-dev refuses it and closes the connection."})
}

// appFor names the app a message belongs to: the request's, else the first.
func (s *Server) appFor(rt *route) string {
	if rt != nil {
		return rt.cfg.Name
	}
	return s.routes[0].cfg.Name
}

// warnOnce publishes a warning once per key, for a bounded number of keys, so a
// stream of refused requests does not flood the log.
type warnOnce struct {
	mu   sync.Mutex
	seen map[string]bool
}

const maxWarnKeys = 64

func (o *warnOnce) warn(bus *event.Bus, app, key string, text func() string) {
	o.mu.Lock()
	if o.seen == nil {
		o.seen = map[string]bool{}
	}
	first := !o.seen[key] && len(o.seen) < maxWarnKeys
	if first {
		o.seen[key] = true
	}
	o.mu.Unlock()
	if first {
		bus.Publish(event.Event{App: app, Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelWarn, Text: text()})
	}
}
