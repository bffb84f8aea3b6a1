package proxy

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/proxy/fcgi"
)

// The pages zoo-dev answers with, one function per case.

func pageNotFound(path string) page {
	return page{Status: http.StatusNotFound, Title: "Not Found",
		Message: fmt.Sprintf("No app is mounted at %s.", path)}
}

func pageNotReady(rt *route, st host.Status) page {
	p := page{Status: http.StatusServiceUnavailable, Title: "Service Unavailable", App: rt.cfg.Name,
		Message: fmt.Sprintf("No worker of %s was ready within %s (the app is %s). Try again in a moment.",
			rt.cfg.Name, rt.cfg.StartTimeout, st.State),
		RetryAfter: 2, Refresh: 2, Lines: st.Crash}
	if len(st.Crash) > 0 {
		p.Message += " Its workers are crashing; the last one said:"
	}
	return p
}

// pageBusy answers a request that found every worker busy for the whole wait.
func pageBusy(rt *route) page {
	return page{Status: http.StatusServiceUnavailable, Title: "Service Unavailable", App: rt.cfg.Name,
		Message: fmt.Sprintf("Every worker of %s stayed busy for %s. Add workers (+ in the dashboard, max_workers in the config) or try again.",
			rt.cfg.Name, rt.cfg.StartTimeout),
		RetryAfter: 2}
}

// pageFailed explains a FAILED app: the deploy output and status, or the traceback.
// Browsers refresh it, so the app appears once a later save or deploy succeeds.
func pageFailed(rt *route, st host.Status) page {
	p := page{Status: http.StatusInternalServerError, App: rt.cfg.Name, Refresh: 3}
	if d := st.Deploy; st.DeployFailed && d != nil {
		p.Title = "Deploy Failed"
		p.Message = fmt.Sprintf("The deploy script of %s exited with status %d%s. Fix it and save, or press d in zoo-dev to deploy again.",
			rt.cfg.Name, d.Status(), ranWith(rt))
		if d.LogFile() != "" {
			p.Message += " Its output is in " + d.LogFile() + "."
		} else {
			p.Lines, _, _ = d.Lines(0)
		}
		return p
	}
	p.Title = "App Failed to Start"
	p.Message = fmt.Sprintf("%s could not start. Fix the code and save: zoo-dev reloads it, and this page follows.", rt.cfg.Name)
	p.Lines = strings.Split(strings.TrimRight(st.Err, "\n"), "\n")
	return p
}

// pageReloadFailed answers a browser's navigation while the newest code fails to
// start: the traceback, and that the last good code still serves everything else.
func pageReloadFailed(rt *route, st host.Status, script template.HTML) page {
	return page{Status: http.StatusInternalServerError, Title: "Reload Failed", App: rt.cfg.Name, Script: script,
		Message: fmt.Sprintf("The newest code of %s failed to start. Fix it and save: this page reloads when the new code serves.", rt.cfg.Name),
		Note:    fmt.Sprintf("The last good code (generation %d) still serves every other request, so fetches and API calls keep working; only page loads show this.", st.Gen),
		Lines:   strings.Split(strings.TrimRight(st.ReloadErr, "\n"), "\n")}
}

// isNavigation tells a browser loading a page from everything else: Sec-Fetch-Mode
// navigate, or, from a client that sends no Sec-Fetch headers, an Accept of HTML.
func isNavigation(r *http.Request) bool {
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	return prefersHTML(r)
}

// crash is how the worker that was serving a request ended.
type crash struct {
	pid    int
	how    string   // "was killed by signal SIGKILL", "exited with status 3"
	lines  []string // its stderr lines while it served the request
	exited bool
}

// ranWith names the app's interpreter, for failures that may depend on it.
func ranWith(rt *route) string {
	if rt.cfg.Python == "" {
		return ""
	}
	return " (run with " + rt.cfg.Python + "; --python picks another)"
}

// pageForError answers a request the workers did not, by the status of its error.
func pageForError(rt *route, r *http.Request, res fcgi.Result, snap snapshot, start time.Time) page {
	p := page{Status: res.Status, App: rt.cfg.Name}
	switch res.Status {
	case http.StatusGatewayTimeout:
		p.Title = "Gateway Timeout"
		p.Message = fmt.Sprintf("The app did not answer %s %s within %s.", r.Method, r.URL.Path, rt.cfg.RequestTimeout)
	case http.StatusServiceUnavailable:
		if errors.Is(res.Err, fcgi.ErrBusy) {
			return pageBusy(rt)
		}
		return pageNotReady(rt, snap.status)
	case http.StatusBadGateway:
		if !errors.Is(res.Err, fcgi.ErrBackendClosed) && !errors.Is(res.Err, fcgi.ErrDial) {
			// the worker is alive and answered badly: say so without waiting for it
			p.Title = "Bad Gateway"
			p.Message = fmt.Sprintf("The worker's answer to %s %s was broken (%v).", r.Method, r.URL.Path, res.Err)
			return p
		}
		return pageCrashed(rt, r, res, start)
	default:
		p.Title = http.StatusText(res.Status)
		p.Message = res.Err.Error()
	}
	return p
}

// pageCrashed says what happened to the worker serving this request, in plain words:
// its pid, how it ended, the path, and only what it wrote while serving it.
func pageCrashed(rt *route, r *http.Request, res fcgi.Result, start time.Time) page {
	p := page{Status: http.StatusBadGateway, Title: "Worker Crashed", App: rt.cfg.Name}
	pid := backendOf(res.Err)
	c, known := rt.crashOf(pid, start)
	switch {
	case !known:
		p.Message = fmt.Sprintf("The worker serving %s %s stopped answering (%v). zoo-dev starts a new one.", r.Method, r.URL.Path, res.Err)
		return p
	case c.exited:
		p.Message = fmt.Sprintf("Worker %d %s while serving %s %s. zoo-dev starts a new one.", pid, c.how, r.Method, r.URL.Path)
	default:
		p.Message = fmt.Sprintf("Worker %d closed the connection without answering %s %s; it is still running.", pid, r.Method, r.URL.Path)
	}
	p.Lines = c.lines
	if len(c.lines) == 0 {
		p.Note = "It wrote nothing on stderr while serving this request."
	} else {
		p.Note = "What it wrote on stderr while serving this request:"
	}
	return p
}
