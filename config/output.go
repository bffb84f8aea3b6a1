package config

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteText prints the resolved site the way `zoo-dev check` shows it: one
// block per app with the settings zoo-dev acts on, then the warnings.
func (s *Site) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.line("config", "%s (%s)", shortPath(s.File), s.Format)
	p.line("listen", "http://%s/", s.Listen)
	for _, a := range s.Apps {
		p.blank()
		p.printf("application %q\n", a.Name)
		p.app(a)
	}
	for _, name := range sortedKeys(s.Engines) {
		e := s.Engines[name]
		p.blank()
		p.printf("engine %q\n", name)
		p.field("command", e.Command)
		p.field("args", strings.Join(e.Args, " "))
		p.field("protocol", e.Protocol+" over "+e.Transport)
		p.field("port env", strings.Join(e.PortEnv, " "))
		if e.StartRetries > 0 {
			p.field("start retries", fmt.Sprint(e.StartRetries))
		}
	}
	for _, st := range s.Static {
		p.blank()
		p.printf("static %q\n", st.Path)
		p.field("root", st.Root)
	}
	if len(s.Warnings) > 0 {
		p.blank()
		p.printf("warnings\n")
		for _, wn := range s.Warnings {
			p.printf("  - %s\n", wn)
		}
	}
	return p.err
}

func (p *printer) app(a *App) {
	p.field("path", a.Path)
	p.field("root", a.Root)
	p.field("engine", a.Engine)
	p.field("python", a.Python)
	p.field("workers", fmt.Sprintf("%d to %d, %d threads each", a.MinWorkers, a.MaxWorkers, a.Threads))
	p.field("timeouts", fmt.Sprintf("request %s, start %s", a.RequestTimeout, a.StartTimeout))
	p.field("wsgi app", a.WSGIApp)
	p.field("django", a.DjangoSettings)
	p.list("pythonpath", a.PythonPath)
	p.field("deploy file", a.DeployFile)
	if a.DeployFile != "" && a.DeployLog == "" {
		p.field("deploy log", "(shown in the browser while deploying)")
	}
	p.field("deploy log", a.DeployLog)
	p.field("error log dir", a.ErrorLogDir)
	p.field("error log", a.ErrorLogFile)
	p.field("watch masks", strings.Join(a.WatchMasks, " "))
	p.field("watch regex", a.WatchRegex)
	if len(a.WatchMasks) == 0 && a.WatchRegex == "" {
		p.field("watch", "(off: WATCH_FILE_CHANGES_MASK is empty)")
	}
	env := make([]string, 0, len(a.Env))
	for _, e := range a.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	p.list("env", env)
}

// printer writes aligned "  name  value" lines and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

const labelWidth = 15

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) blank() { p.printf("\n") }

// line prints a top-level setting.
func (p *printer) line(label, format string, args ...any) {
	p.printf("%-*s %s\n", labelWidth+2, label, fmt.Sprintf(format, args...))
}

// field prints an app setting; empty values are left out.
func (p *printer) field(label, value string) {
	if value != "" {
		p.printf("  %-*s %s\n", labelWidth, label, value)
	}
}

// list prints one value per line under a label.
func (p *printer) list(label string, values []string) {
	for i, v := range values {
		if i > 0 {
			label = ""
		}
		p.printf("  %-*s %s\n", labelWidth, label, v)
	}
}

func sortedKeys(m map[string]*Engine) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WriteJSON prints the resolved site as indented JSON for `zoo-dev check --json`.
// Durations are written as Go duration strings ("1m0s"), like zoo.toml takes them.
func (s *Site) WriteJSON(w io.Writer) error {
	type appAlias App
	type appJSON struct {
		*appAlias
		RequestTimeout string `json:"request_timeout"`
		StartTimeout   string `json:"start_timeout"`
	}
	type siteAlias Site
	out := struct {
		*siteAlias
		Apps []appJSON `json:"apps"`
	}{siteAlias: (*siteAlias)(s), Apps: []appJSON{}}
	for _, a := range s.Apps {
		out.Apps = append(out.Apps, appJSON{(*appAlias)(a), a.RequestTimeout.String(), a.StartTimeout.String()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
