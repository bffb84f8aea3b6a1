package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// HttpPlatformHandler and the ASP.NET Core Module start a program, tell it a
// port in %HTTP_PLATFORM_PORT% (or ASPNETCORE_PORT) and forward HTTP to it.
// zoo-dev models such an app as a custom engine with the "http" protocol.
const (
	PlatformEngine   = "httpPlatformHandler" // the engine name of an <httpPlatform> app
	AspNetCoreEngine = "AspNetCoreModuleV2"  // the engine name of an <aspNetCore> app
	portPlaceholder  = "%PORT%"
	// DefaultPlatformRetries is HttpPlatformHandler's startupRetryCount default.
	DefaultPlatformRetries = 10
	// defaultPlatformTimeout is HttpPlatformHandler's requestTimeout default.
	defaultPlatformTimeout = 2 * time.Minute
)

// platformPortVars are the variables IIS sets to the port; their %NAME% stays
// for the host to fill in.
var platformPortVars = []string{"HTTP_PLATFORM_PORT", "ASPNETCORE_PORT"}

// pythonExe matches an interpreter's file name: python, python3.11, pythonw.exe.
var pythonExe = regexp.MustCompile(`(?i)^python(\d+(\.\d+)?)?w?(\.exe)?$`)

// platformApp builds the app of an <httpPlatform> or <aspNetCore> element, named
// after the handler that runs it when there is one.
func (b *appBuilder) platformApp(s *wcScope) *draftApp {
	p := s.platform
	name, engine := p.element, PlatformEngine
	if strings.EqualFold(p.element, "aspNetCore") {
		engine = AspNetCoreEngine
	}
	a := &draftApp{at: p.at, pathAt: p.at, rootAt: p.at, engine: engine, engineAt: p.at, workersAt: p.at,
		env: p.env, envAt: p.at, platform: p}
	for _, h := range s.handlers {
		m := strings.ToLower(h.modules)
		if m == "httpplatformhandler" || strings.HasPrefix(m, "aspnetcoremodule") {
			name = h.name
			a.handlers = append(a.handlers, h.name)
		}
	}
	a.name = name
	return a
}

// platformSizes reads the element's numbers into the draft before the defaults apply.
func (r *resolver) platformSizes(da *draftApp) error {
	p := da.platform
	da.requestTimeout = defaultPlatformTimeout
	if v := p.attrs["requesttimeout"]; v != "" {
		d, ok := parseTimeSpan(v)
		if !ok {
			return r.err(p.at, da.name, "requestTimeout", v, "not a time span; use hh:mm:ss such as 00:02:00")
		}
		da.requestTimeout = d
	}
	if v := p.attrs["startuptimelimit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3600 {
			return r.err(p.at, da.name, "startupTimeLimit", v, "must be a number of seconds from 1 to 3600")
		}
		da.startTimeout = time.Duration(n) * time.Second
	}
	if v := p.attrs["processesperapplication"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return r.err(p.at, da.name, "processesPerApplication", v, "must be a whole number from 1 to 100")
		}
		da.minWorkers, da.maxWorkers, da.minSet, da.maxSet = n, n, true, true
	} else {
		da.minWorkers, da.maxWorkers, da.minSet, da.maxSet = 1, 1, true, true
	}
	return nil
}

// platformEngine turns the element into the app's engine: the command with
// a local interpreter for a Windows python.exe, native paths in the arguments,
// the port as %PORT%, and the log file.
func (r *resolver) platformEngine(da *draftApp, a *App) error {
	p := da.platform
	e := &Engine{Protocol: "http", Transport: "tcp", PortEnv: append([]string{}, platformPortVars...),
		StartRetries: DefaultPlatformRetries}
	if v := p.attrs["startupretrycount"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return r.err(p.at, da.name, "startupRetryCount", v, "must be a whole number from 0 to 100")
		}
		e.StartRetries = n
	}
	x := newExpander(a.Root, a.Path)
	x.keep = platformPortVars
	for _, v := range a.Env {
		x.set(v.Name, v.Value)
	}
	if err := r.platformCommand(da, a, e, x.expand(p.attrs["processpath"], "")); err != nil {
		return err
	}
	for _, arg := range splitCommandLine(x.expand(p.attrs["arguments"], "")) {
		e.Args = append(e.Args, r.nativeArg(da, a, toPortPlaceholder(arg)))
	}
	r.portEnv(a, e)
	if strings.EqualFold(p.attrs["stdoutlogenabled"], "true") {
		file := p.attrs["stdoutlogfile"]
		if file == "" {
			file = `.\logs\stdout`
		}
		a.ErrorLogFile = r.logPath(da, p.at, "stdoutLogFile", file, x.expand(stripLongPrefix(file), ""), a.Root, false)
		a.ErrorLogDir = filepath.Dir(a.ErrorLogFile)
	}
	name := a.Engine
	for i := 2; r.d.engines[name] != nil; i++ {
		name = fmt.Sprintf("%s-%d", a.Engine, i)
	}
	a.Engine = name
	if r.d.engines == nil {
		r.d.engines = map[string]*Engine{}
		r.s.Engines = r.d.engines
	}
	r.d.engines[name] = e
	return nil
}

// platformCommand resolves processPath: a Python interpreter becomes the local
// one (the project's virtualenv first), a Windows program its name in PATH.
func (r *resolver) platformCommand(da *draftApp, a *App, e *Engine, path string) error {
	p := da.platform
	path = strings.TrimSpace(stripLongPrefix(path))
	if path == "" {
		return r.err(p.at, da.name, "processPath", "", "not set; name the program that serves HTTP on %HTTP_PLATFORM_PORT%")
	}
	base := winBase(path)
	windows := isDrivePath(path) || strings.Contains(path, `\`)
	if pythonExe.MatchString(base) {
		hint := ""
		if !windows && filepath.IsAbs(path) {
			hint = path
		}
		venv, _ := lookupEnv(a.Env, "VIRTUAL_ENV")
		c, err := r.pf.find(a.Root, venv, wfastcgiVersion(path), hint)
		if err != nil {
			return r.err(p.at, da.name, "processPath", path, err.Error())
		}
		e.Command, a.Python = c.exe, c.exe
		if windows || c.warning != "" || (filepath.IsAbs(path) && c.exe != path) {
			r.warn(p.at, da.name, fmt.Sprintf("processPath %s: running %s (Python %s) here", quote(path), c.exe, c.version))
		}
		return nil
	}
	switch {
	case isDrivePath(path):
		e.Command = strings.TrimSuffix(base, filepath.Ext(base))
		r.warn(p.at, da.name, fmt.Sprintf("processPath %s: a Windows path; running %q from PATH", quote(path), e.Command))
	case windows || strings.Contains(path, "/"):
		e.Command = nativePath(path, a.Root)
	default:
		e.Command = path
	}
	return nil
}

// nativeArg makes a path in an argument native: a Windows drive path is taken
// into the project (see projectPath), a relative path with '\' gets '/'.
func (r *resolver) nativeArg(da *draftApp, a *App, arg string) string {
	key, val, isOpt := "", arg, false
	if strings.HasPrefix(arg, "-") {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return arg
		}
		key, val, isOpt = k+"=", v, true
	}
	switch {
	case isDrivePath(val):
		p, found := projectPath(val, a.Root)
		if !found {
			r.warn(da.platform.at, da.name, fmt.Sprintf("arguments: %s is not in this project; using %s", quote(val), p))
		}
		val = p
	case strings.Contains(val, `\`) && !isOpt:
		val = nativeSlashes(val)
	}
	return key + val
}

// portEnv moves the variables whose value is only the port into PortEnv.
func (r *resolver) portEnv(a *App, e *Engine) {
	env := a.Env[:0:0]
	for _, v := range a.Env {
		v.Value = toPortPlaceholder(v.Value)
		if v.Value == portPlaceholder {
			e.PortEnv = appendOnce(e.PortEnv, v.Name)
			continue
		}
		env = append(env, v)
	}
	a.Env = env
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}

// toPortPlaceholder writes IIS's port variables as the host's %PORT%.
func toPortPlaceholder(s string) string {
	for _, n := range platformPortVars {
		s = replaceFold(s, "%"+n+"%", portPlaceholder)
	}
	return s
}

// replaceFold replaces old in s ignoring ASCII case.
func replaceFold(s, old, repl string) string {
	for {
		i := strings.Index(strings.ToUpper(s), strings.ToUpper(old))
		if i < 0 {
			return s
		}
		s = s[:i] + repl + s[i+len(old):]
	}
}

// parseTimeSpan reads IIS's [d.]hh:mm:ss[.fff] time spans.
func parseTimeSpan(v string) (time.Duration, bool) {
	m := regexp.MustCompile(`^\s*(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?\s*$`).FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	n := func(s string) time.Duration { x, _ := strconv.Atoi(s); return time.Duration(x) }
	d := n(m[1])*24*time.Hour + n(m[2])*time.Hour + n(m[3])*time.Minute + n(m[4])*time.Second
	return d, d > 0
}

// splitCommandLine splits arguments the way Windows programs do: blanks
// separate, double quotes group, \" is a quote.
func splitCommandLine(s string) []string {
	var out []string
	var cur strings.Builder
	in, any := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
			any = true
		case c == '"':
			in, any = !in, true
		case (c == ' ' || c == '\t' || c == '\n' || c == '\r') && !in:
			if any {
				out = append(out, cur.String())
				cur.Reset()
				any = false
			}
		default:
			cur.WriteByte(c)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}
