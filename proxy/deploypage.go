package proxy

import (
	"fmt"
	"html"
	"net/http"
	"time"

	"github.com/zoo-dev/zoo-dev/host"
)

// streamDeploy answers a browser that arrives during a deploy with a page that shows
// the deploy output as it is written and then reloads itself into the app.
func (s *Server) streamDeploy(w http.ResponseWriter, r *http.Request, rt *route, snap snapshot) {
	d := snap.status.Deploy
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, deployHead, html.EscapeString(rt.cfg.Name))
	flush(w)
	if d == nil || d.LogFile() != "" {
		where := ""
		if d != nil {
			where = " Its output goes to " + html.EscapeString(d.LogFile()) + "."
		}
		fmt.Fprintf(w, "<p>A deploy is running.%s</p>", where)
	} else {
		fmt.Fprint(w, "<pre id=out>")
		from := 0
		for {
			lines, done, changed := d.Lines(from)
			for _, l := range lines {
				fmt.Fprintln(w, html.EscapeString(l))
			}
			from += len(lines)
			flush(w)
			if done {
				break
			}
			select {
			case <-changed:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprint(w, "</pre>")
	}
	// Wait until the app serves (or fails), then send the browser on to it.
	deadline := time.NewTimer(rt.cfg.StartTimeout)
	defer deadline.Stop()
wait:
	for {
		cur := rt.snapshot()
		if cur.pool != nil || cur.status.State == host.StateFailed {
			break
		}
		select {
		case <-cur.changed:
		case <-r.Context().Done():
			return
		case <-deadline.C:
			break wait
		}
	}
	fmt.Fprint(w, "<p>Done. Opening the app…</p><script>location.reload()</script></main></body></html>\n")
	flush(w)
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

const deployHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Deploying · zoo-dev</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:12px 24px;font-weight:600}
header span{color:#8fd18f;font-weight:400;margin-left:8px}
main{max-width:960px;margin:24px auto;padding:0 24px}
pre{background:#1d2330;color:#e6e6e6;padding:16px;border-radius:6px;overflow:auto;font-size:13px;white-space:pre-wrap}
</style></head>
<body><header>zoo-dev<span>%s</span></header><main><h1>Deploying…</h1>
`
