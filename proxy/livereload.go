package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// Live browser refresh: HTML pages that zoo-dev serves get a small script before
// </body> that listens on EventsPath (server-sent events) and reloads the page
// when a new generation of the app serves, that is when new code answers. The
// token a page carries names the generation that served it (and this zoo-dev
// run), so a page reloads after a save, a redeploy or a restart of zoo-dev, and
// never while nothing new serves.

// EventsPath is the reserved path of the live refresh stream; apps never see it.
const EventsPath = "/.zoo-dev/events"

// maxInject bounds the HTML body held back to inject the script; a bigger one
// passes through unchanged.
const maxInject = 8 << 20

// liveReload tracks the serving generation of every app for the pages' scripts.
type liveReload struct {
	boot string // distinguishes this zoo-dev run from the one before a restart
	bus  *event.Bus
	app  string // where warnings go

	mu      sync.Mutex
	off     bool
	gens    map[string]int
	changed chan struct{} // closed and replaced whenever a generation changes
	closed  chan struct{} // the server is shutting down: streams end
	warned  bool          // the CSP warning was given
}

func newLiveReload(bus *event.Bus, firstApp string) *liveReload {
	b := make([]byte, 6)
	rand.Read(b)
	return &liveReload{boot: hex.EncodeToString(b), bus: bus, app: firstApp, gens: map[string]int{},
		changed: make(chan struct{}), closed: make(chan struct{})}
}

// served records that gen serves app; a new generation wakes every stream.
func (l *liveReload) served(app string, gen int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gens[app] == gen {
		return
	}
	l.gens[app] = gen
	close(l.changed)
	l.changed = make(chan struct{})
}

// shutdown ends every open stream.
func (l *liveReload) shutdown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
}

func (l *liveReload) disable() {
	l.mu.Lock()
	l.off = true
	l.mu.Unlock()
}

// token names what serves app now; "" when nothing does or live refresh is off.
func (l *liveReload) token(app string) (string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.off || l.gens[app] == 0 {
		return "", l.changed
	}
	return l.boot + "." + strconv.Itoa(l.gens[app]), l.changed
}

// serveEvents answers EventsPath: the app's token now, and again whenever it changes.
func (l *liveReload) serveEvents(w http.ResponseWriter, r *http.Request) {
	app := r.URL.Query().Get("app")
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	fmt.Fprint(w, "retry: 500\n\n") // reconnect fast after zoo-dev restarts
	rc.Flush()
	sent := ""
	for {
		tok, changed := l.token(app)
		if tok != "" && tok != sent {
			if _, err := fmt.Fprintf(w, "data: %s\n\n", tok); err != nil || rc.Flush() != nil {
				return
			}
			sent = tok
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-l.closed:
			return
		}
	}
}

// serving reports whether pages of app get the script: live refresh is on and a
// generation serves.
func (l *liveReload) serving(app string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.off && l.gens[app] != 0
}

// script is the tag injected into an app's page, or "" when live refresh is off.
func (l *liveReload) script(app string) template.HTML {
	tok, _ := l.token(app)
	if tok == "" {
		return ""
	}
	src := EventsPath + "?app=" + url.QueryEscape(app)
	// Only a visible page holds a stream: a browser opens at most six connections to
	// a host, and hidden tabs must not use them up. A tab shown again reconnects and
	// reloads at once if new code served meanwhile.
	return template.HTML(`<script data-zoo-dev-live="` + template.HTMLEscapeString(tok) + `">(function(){` +
		`var t=document.currentScript.getAttribute("data-zoo-dev-live"),es=null;if(!window.EventSource)return;` +
		`function open(){if(es||document.visibilityState==="hidden")return;es=new EventSource(` + strconv.Quote(src) + `);` +
		`es.onmessage=function(e){if(e.data&&e.data!==t){es.close();location.reload();}};}` +
		`document.addEventListener("visibilitychange",function(){if(document.visibilityState==="hidden"){if(es){es.close();es=null;}}else{open();}});` +
		`open();})();</script>`)
}

// wrap returns the writer an app's response goes through: it injects the script
// into a complete HTML body. Call finish after the response.
func (l *liveReload) wrap(w http.ResponseWriter, r *http.Request, app string) *injector {
	return &injector{ResponseWriter: w, l: l, app: app, head: r.Method == http.MethodHead}
}

// injector holds back an HTML response to put the script before </body>. It passes
// everything else through untouched: other types, compressed bodies, bodies without
// a length that stream (a Flush after some of the body), and pages whose
// Content-Security-Policy forbids inline scripts.
type injector struct {
	http.ResponseWriter
	l      *liveReload
	app    string
	head   bool
	code   int
	hold   bool // the body is being held back
	sized  bool // it has a Content-Length
	passed bool // the header went out
	buf    bytes.Buffer
}

func (i *injector) WriteHeader(code int) {
	if i.code != 0 {
		return
	}
	i.code = code
	h := i.Header()
	i.sized = h.Get("Content-Length") != ""
	i.hold = !i.head && (code == http.StatusOK || code >= 400) && strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "text/html") &&
		h.Get("Content-Encoding") == "" && i.l.serving(i.app)
	if i.hold && forbidsInline(h.Values("Content-Security-Policy")) {
		i.hold = false
		i.l.warnCSP()
	}
	if !i.hold {
		i.pass()
	}
}

func (i *injector) Write(b []byte) (int, error) {
	if i.code == 0 {
		i.WriteHeader(http.StatusOK)
	}
	if i.hold {
		if i.buf.Len()+len(b) <= maxInject {
			return i.buf.Write(b)
		}
		i.hold = false
		i.pass()
	}
	return i.ResponseWriter.Write(b)
}

// Flush passes a streamed body on: a body without a length that is flushed once
// some of it was written is a stream, and is not held back any longer.
func (i *injector) Flush() {
	if i.hold && (i.sized || i.buf.Len() == 0) {
		return
	}
	if i.hold {
		i.hold = false
		i.pass()
	}
	if f, ok := i.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (i *injector) Unwrap() http.ResponseWriter { return i.ResponseWriter }

// pass sends the header and whatever was held, unchanged.
func (i *injector) pass() {
	if i.passed {
		return
	}
	i.passed = true
	if i.code != 0 {
		i.ResponseWriter.WriteHeader(i.code)
	}
	if i.buf.Len() > 0 {
		i.ResponseWriter.Write(i.buf.Bytes())
		i.buf.Reset()
	}
}

// finish sends a held body with the script injected (complete is false when the
// worker failed midway: then it goes as it came).
func (i *injector) finish(complete bool) {
	if !i.hold || i.passed {
		return
	}
	if complete {
		body := injectScript(i.buf.Bytes(), i.l.script(i.app))
		i.Header().Set("Content-Length", strconv.Itoa(len(body)))
		i.buf.Reset()
		i.buf.Write(body)
	}
	i.pass()
}

// injectScript puts script before the last </body>, or at the end when there is none.
func injectScript(body []byte, script template.HTML) []byte {
	at := bytes.LastIndex(bytes.ToLower(body), []byte("</body>"))
	if at < 0 {
		at = len(body)
	}
	out := make([]byte, 0, len(body)+len(script))
	out = append(out, body[:at]...)
	out = append(out, script...)
	return append(out, body[at:]...)
}

// forbidsInline reports whether a Content-Security-Policy blocks an inline script:
// a script-src (or default-src without script-src) without 'unsafe-inline'.
func forbidsInline(policies []string) bool {
	for _, p := range policies {
		var script, def string
		var hasScript, hasDef bool
		for _, d := range strings.Split(p, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			switch strings.ToLower(name) {
			case "script-src", "script-src-elem":
				script, hasScript = value, true
			case "default-src":
				def, hasDef = value, true
			}
		}
		src, has := script, hasScript
		if !has {
			src, has = def, hasDef
		}
		if has && !strings.Contains(src, "'unsafe-inline'") {
			return true
		}
	}
	return false
}

// warnCSP says once that a page's policy keeps live refresh out.
func (l *liveReload) warnCSP() {
	l.mu.Lock()
	warned := l.warned
	l.warned = true
	l.mu.Unlock()
	if !warned {
		l.bus.Publish(event.Event{App: l.app, Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelWarn,
			Text: "live refresh: the app's Content-Security-Policy forbids inline scripts, so its pages do not reload on save; allow 'unsafe-inline' in development or start with --no-live-reload"})
	}
}
