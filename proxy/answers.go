package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

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
		p.Message = fmt.Sprintf("The deploy script of %s exited with status %d. Fix it and save, or press d in zoo-dev to deploy again.",
			rt.cfg.Name, d.Status())
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

// pageForError answers a request the workers did not, by the status of its error.
func pageForError(rt *route, res fcgi.Result, snap snapshot, stderr []string) page {
	p := page{Status: res.Status, App: rt.cfg.Name}
	switch res.Status {
	case http.StatusGatewayTimeout:
		p.Title = "Gateway Timeout"
		p.Message = fmt.Sprintf("The app did not answer within %s.", rt.cfg.RequestTimeout)
	case http.StatusServiceUnavailable:
		if errors.Is(res.Err, fcgi.ErrBusy) {
			return pageBusy(rt)
		}
		return pageNotReady(rt, snap.status)
	case http.StatusBadGateway:
		p.Title = "Bad Gateway"
		p.Message = fmt.Sprintf("The worker serving this request failed (%v). zoo-dev starts a new one.", res.Err)
		if !errors.Is(res.Err, fcgi.ErrBackendClosed) && !errors.Is(res.Err, fcgi.ErrDial) {
			p.Message = fmt.Sprintf("The worker's answer to this request was broken (%v).", res.Err)
		}
		if len(stderr) > 0 {
			p.Message += " Its last lines on stderr:"
			p.Lines = stderr
		}
	default:
		p.Title = http.StatusText(res.Status)
		p.Message = res.Err.Error()
	}
	return p
}
