package proxy

import (
	"fmt"
	"html"
	"net/http"
	"time"

	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// streamDeploy answers a GET that arrives during a deploy with the deploy output as
// it is written: a page that reloads itself into the app for browsers, plain lines
// for everything else. It returns once the deploy has ended and the app serves (or
// failed, or the wait limit passed); ok is false when the client went away.
func (s *Server) streamDeploy(w http.ResponseWriter, r *http.Request, rt *route, d *host.Output) (ok bool) {
	asHTML := prefersHTML(r)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if asHTML {
		h.Set("Content-Type", "text/html; charset=utf-8")
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(http.StatusOK)
	p := page{Title: "Deploying", App: rt.cfg.Name,
		Message: fmt.Sprintf("%s is running its deploy script. This page continues to the app when it is done.", rt.cfg.Name)}
	if d.LogFile() != "" {
		p.Message = fmt.Sprintf("%s is running its deploy script; its output goes to %s. This page continues to the app when it is done.",
			rt.cfg.Name, d.LogFile())
	}
	if asHTML {
		pageTmpl.ExecuteTemplate(w, "head", p)
	} else {
		fmt.Fprintf(w, "%s\n\n", p.Message)
	}
	if d.LogFile() == "" && !copyOutput(w, r, d, asHTML) {
		return false
	}
	if !waitServing(r, rt) {
		return false
	}
	if asHTML {
		fmt.Fprint(w, "<p>Done. Opening the app…</p>\n<script>location.reload()</script>\n")
		pageTmpl.ExecuteTemplate(w, "foot", p)
	}
	flush(w)
	return true
}

// copyOutput writes the deploy's lines as they arrive until it ends.
func copyOutput(w http.ResponseWriter, r *http.Request, d *host.Output, asHTML bool) bool {
	if asHTML {
		fmt.Fprint(w, "<pre>")
	}
	for from := 0; ; {
		lines, done, changed := d.Lines(from)
		for _, l := range lines {
			if asHTML {
				l = html.EscapeString(l)
			}
			fmt.Fprintln(w, l)
		}
		from += len(lines)
		flush(w)
		if done {
			break
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return false
		}
	}
	if asHTML {
		fmt.Fprint(w, "</pre>\n")
	} else {
		fmt.Fprintf(w, "\n(deploy finished with status %d)\n\n", d.Status())
	}
	return true
}

// waitServing waits until the route serves or the app failed, bounded by the app's
// start timeout; false when the client went away.
func waitServing(r *http.Request, rt *route) bool {
	deadline := time.NewTimer(rt.cfg.StartTimeout)
	defer deadline.Stop()
	for {
		cur := rt.snapshot()
		if cur.pool != nil || cur.status.State == event.StateFailed {
			return true
		}
		select {
		case <-cur.changed:
		case <-r.Context().Done():
			return false
		case <-deadline.C:
			return true
		}
	}
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
