package proxy

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// page is an answer zoo-dev gives itself when the app cannot: one template for every
// case, HTML for browsers and plain text for everything else.
type page struct {
	Status     int
	Title      string
	App        string
	Message    string
	Lines      []string // deploy output, a traceback, stderr lines
	RetryAfter int      // seconds, for 503
	Refresh    int      // seconds: browsers try again on their own
}

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// writePage answers with p. All app output is escaped by html/template.
func writePage(w http.ResponseWriter, r *http.Request, p page) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	if !prefersHTML(r) {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(p.Status)
		fmt.Fprintf(w, "%d %s\n%s\n", p.Status, p.Title, p.Message)
		for _, l := range p.Lines {
			fmt.Fprintln(w, l)
		}
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(p.Status)
	pageTmpl.Execute(w, p)
}

func prefersHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

func pageNotFound(path string) page {
	return page{Status: http.StatusNotFound, Title: "Not Found",
		Message: fmt.Sprintf("No app is mounted at %s.", path)}
}

func pageNotReady(rt *route, st host.Status) page {
	return page{Status: http.StatusServiceUnavailable, Title: "Service Unavailable", App: rt.cfg.Name,
		Message: fmt.Sprintf("No worker of %s was ready within %s (the app is %s).", rt.cfg.Name,
			rt.cfg.StartTimeout, st.State),
		RetryAfter: 2, Refresh: 2}
}

// pageFailed explains a FAILED app: the deploy output and status, or the traceback.
func pageFailed(rt *route, st host.Status) page {
	p := page{Status: http.StatusInternalServerError, App: rt.cfg.Name, Refresh: 5}
	if d := st.Deploy; d != nil && strings.Contains(st.Err, "DEPLOY_FILE") {
		lines, _, _ := d.Lines(0)
		p.Title = "Deploy Failed"
		p.Message = fmt.Sprintf("The deploy script of %s exited with status %d. Fix it and save, or press d in zoo-dev to deploy again.", rt.cfg.Name, d.Status())
		if d.LogFile() != "" {
			p.Message += " Its output is in " + d.LogFile() + "."
		} else {
			p.Lines = lines
		}
		return p
	}
	p.Title = "App Failed to Start"
	p.Message = fmt.Sprintf("%s could not start. Fix the code and save; zoo-dev reloads it.", rt.cfg.Name)
	p.Lines = strings.Split(strings.TrimRight(st.Err, "\n"), "\n")
	return p
}

// pageForError answers a request the workers did not.
func pageForError(rt *route, res fcgi.Result, snap snapshot) page {
	p := page{Status: fcgi.StatusFor(res.Err), App: rt.cfg.Name}
	switch p.Status {
	case http.StatusGatewayTimeout:
		p.Title = "Gateway Timeout"
		p.Message = fmt.Sprintf("The app did not answer within %s.", rt.cfg.RequestTimeout)
	case http.StatusServiceUnavailable:
		return pageNotReady(rt, snap.status)
	default:
		p.Title = "Bad Gateway"
		p.Message = fmt.Sprintf("The worker serving this request failed: %v.", res.Err)
		if errors.Is(res.Err, fcgi.ErrHeaderTooLarge) {
			p.Message = "The app's response headers are larger than zoo-dev accepts."
		}
	}
	return p
}

const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>{{.Status}} {{.Title}} · zoo-dev</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:12px 24px;font-weight:600}
header span{color:#8fd18f;font-weight:400;margin-left:8px}
main{max-width:960px;margin:24px auto;padding:0 24px}
h1{font-size:22px;margin:0 0 8px}
pre{background:#1d2330;color:#e6e6e6;padding:16px;border-radius:6px;overflow:auto;font-size:13px;white-space:pre-wrap}
.status{color:#b03030}
</style></head>
<body><header>zoo-dev{{if .App}}<span>{{.App}}</span>{{end}}</header>
<main><h1><span class="status">{{.Status}}</span> {{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Lines}}<pre>{{range .Lines}}{{.}}
{{end}}</pre>{{end}}
</main></body></html>
`
