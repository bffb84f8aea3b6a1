package proxy

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// page is an answer zoo-dev gives itself when the app cannot: one template for every
// case, HTML for browsers and plain text for everything else.
type page struct {
	Status     int
	Title      string
	App        string
	Message    string
	Note       string        // a line between the message and the lines
	Lines      []string      // deploy output, a traceback, stderr lines
	RetryAfter int           // seconds, for 503
	Refresh    int           // seconds: browsers try again on their own
	Script     template.HTML // the live refresh script, when the page should reload with new code
}

// pageTmpl is the one template of every page. "head" and "foot" also frame the
// deploy page, whose lines stream in between.
var pageTmpl = template.Must(template.New("page").Parse(`
{{- define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{- if .Refresh}}
<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>{{if .Status}}{{.Status}} {{end}}{{.Title}} · zoo-dev</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:12px 24px;font-weight:600}
header span{color:#8fd18f;font-weight:400;margin-left:8px}
main{max-width:960px;margin:24px auto;padding:0 24px}
h1{font-size:22px;margin:0 0 8px}
pre{background:#1d2330;color:#e6e6e6;padding:16px;border-radius:6px;overflow:auto;font-size:13px;white-space:pre-wrap}
.status{color:#b03030}
.note{background:#fff4d6;border-left:4px solid #d99a00;padding:8px 12px}
footer{color:#6b7280;font-size:13px;margin-top:24px}
</style></head>
<body><header>zoo-dev{{if .App}}<span>{{.App}}</span>{{end}}</header>
<main><h1>{{if .Status}}<span class="status">{{.Status}}</span> {{end}}{{.Title}}</h1>
<p>{{.Message}}</p>
{{- if .Note}}
<p class="note">{{.Note}}</p>{{end}}
{{end}}
{{- define "foot"}}<footer>Answered by zoo-dev, not by the app.</footer></main>{{.Script}}</body></html>
{{end}}
{{- define "page"}}{{template "head" .}}
{{- if .Lines}}<pre>{{range .Lines}}{{.}}
{{end}}</pre>
{{end}}{{template "foot" .}}{{end}}`))

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
		writeText(w, p)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(p.Status)
	pageTmpl.ExecuteTemplate(w, "page", p)
}

func writeText(w io.Writer, p page) {
	fmt.Fprintf(w, "%d %s\n%s\n", p.Status, p.Title, p.Message)
	if p.Note != "" {
		fmt.Fprintln(w, p.Note)
	}
	if len(p.Lines) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(p.Lines, "\n"))
	}
}

func prefersHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
