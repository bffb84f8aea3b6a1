package config

import (
	"fmt"
	"sort"
	"strings"
)

// draft turns the scopes read from a web.config into applications. Each scope
// (the file's folder, or a <location>) yields:
//   - one app per Helicon Zoo handler pair: "X#x86"/"X#x64" or the early
//     "X.x86"/"X.x64", where preCondition picks the one IIS runs;
//   - one app per FastCgiModule handler running wfastcgi.py;
//   - one app for an <httpPlatform> or <aspNetCore> element;
//   - at the file's folder, a wfastcgi app when <appSettings> name a
//     WSGI_HANDLER and no handler does (it lives in applicationHost.config).
//
// A <location> that only removes handlers is a static folder.
func (w *webConfig) draft() *draft {
	d := &draft{file: w.file, format: WebConfigName}
	root := w.scopes[0]
	b := &appBuilder{w: w, root: root, used: map[string]bool{}}
	own := map[*wcScope][]*draftApp{}
	for _, s := range w.scopes {
		own[s] = b.scopeApps(s)
	}
	shared := root.settings // wfastcgi reads every <appSettings> of the file
	for _, s := range w.scopes[1:] {
		if len(own[s]) == 0 {
			shared = append(append([]draftVar{}, shared...), s.settings...)
		}
	}
	if len(own[root]) == 0 {
		if a := b.settingsApp(shared); a != nil {
			own[root] = []*draftApp{a}
		}
	}
	for _, s := range w.scopes {
		for _, a := range own[s] {
			if a.engine == WfastcgiEngine && s == root {
				a.env = shared
				if len(shared) > 0 && a.envAt.line == 0 {
					a.envAt = shared[0].at
				}
			}
			if s.location != "" {
				a.path, a.pathAt, a.rootAt = "/"+s.location, s.at, s.at
				a.root = w.locationRoot(s)
			}
			d.apps = append(d.apps, a)
		}
		if len(own[s]) == 0 && len(s.removed) > 0 {
			st := draftStatic{location: s.location, at: s.removed[0].at}
			for _, rm := range s.removed {
				st.removed = append(st.removed, rm.name)
			}
			d.static = append(d.static, st)
		}
	}
	d.warnings = append(d.warnings, b.unusedApps()...)
	if len(d.apps) == 0 {
		d.orphan = w.orphanPlatformHandler()
	}
	return d
}

// orphanPlatformHandler finds an httpPlatformHandler or AspNetCoreModule handler
// whose scope has no <httpPlatform> or <aspNetCore> element to run.
func (w *webConfig) orphanPlatformHandler() *wcHandler {
	for _, s := range w.scopes {
		for _, h := range s.handlers {
			m := strings.ToLower(h.modules)
			if s.platform == nil && (m == "httpplatformhandler" || strings.HasPrefix(m, "aspnetcoremodule")) {
				return h
			}
		}
	}
	return nil
}

// draftStatic is a scope IIS serves as plain files: it removes handlers and adds no app.
type draftStatic struct {
	location string   // "" for the file's own folder
	at       pos      // the first <remove> or <clear>
	removed  []string // the handler names removed; "" for <clear/>
}

// appBuilder makes the apps of each scope and remembers which <application>
// elements were read.
type appBuilder struct {
	w    *webConfig
	root *wcScope
	used map[string]bool // <application> names a handler reads
	lost []*wcHandler    // Helicon handlers that found no <application>
}

// scopeApps makes the apps a scope's own handlers and elements declare.
func (b *appBuilder) scopeApps(s *wcScope) []*draftApp {
	var out []*draftApp
	done := map[string]bool{}
	for _, h := range s.handlers {
		switch {
		case isZooHandler(h):
			base := pairName(h.name)
			if done[strings.ToLower(base)] {
				continue
			}
			done[strings.ToLower(base)] = true
			out = append(out, b.zooApp(s, pair(s.handlers, base)))
		case isWfastcgiHandler(h, s, b.root):
			out = append(out, b.wfastcgiApp(s, h))
		}
	}
	if s.platform != nil {
		out = append(out, b.platformApp(s))
	}
	return out
}

// isZooHandler reports a handler served by Helicon Zoo's module.
func isZooHandler(h *wcHandler) bool {
	return strings.HasPrefix(strings.ToLower(h.modules), "heliconzoo") || pythonEngine.MatchString(h.processor)
}

// isWfastcgiHandler reports Microsoft's FastCGI handler running wfastcgi.py, or
// running anything while the settings name a WSGI_HANDLER.
func isWfastcgiHandler(h *wcHandler, s, root *wcScope) bool {
	if !strings.EqualFold(h.modules, "FastCgiModule") {
		return false
	}
	if strings.Contains(strings.ToLower(h.processor), "wfastcgi") {
		return true
	}
	_, ok := findVar(s.settings, VarWSGIHandler)
	if _, inRoot := findVar(root.settings, VarWSGIHandler); inRoot {
		ok = true
	}
	return ok
}

// pairName is a handler's name without its bitness suffix: "X#x64", "X#x86",
// "X.x64" and "X.x86" all name X.
func pairName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, '#'); i >= 0 {
		return strings.TrimSpace(name[:i])
	}
	lower := strings.ToLower(name)
	for _, suffix := range []string{".x86", ".x64"} {
		if strings.HasSuffix(lower, suffix) {
			return name[:len(name)-len(suffix)]
		}
	}
	return name
}

// pair returns the Helicon handlers named base, the one IIS runs on a 64-bit
// server first: preCondition bitness64, else an x64 name, else file order.
func pair(hs []*wcHandler, base string) []*wcHandler {
	var out []*wcHandler
	for _, h := range hs {
		if isZooHandler(h) && strings.EqualFold(pairName(h.name), base) {
			out = append(out, h)
		}
	}
	rank := func(h *wcHandler) int {
		switch {
		case strings.Contains(strings.ToLower(h.preCondition), "bitness64"):
			return 0
		case strings.HasSuffix(strings.ToLower(h.name), "x64"):
			return 1
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// zooApp builds the app of a Helicon Zoo handler pair. Its <application> is the
// one named like the chosen handler, else like the pair, else like the other
// handler of the pair; in the scope first, then at the file's folder.
func (b *appBuilder) zooApp(s *wcScope, hs []*wcHandler) *draftApp {
	h := hs[0]
	name := pairName(h.name)
	a := &draftApp{name: name, at: h.at, pathAt: h.at, rootAt: h.at, engine: h.processor, engineAt: h.at, workersAt: h.at}
	tries := []string{h.name, name}
	for _, o := range hs[1:] {
		tries = append(tries, o.name)
	}
	for _, o := range hs {
		a.handlers = append(a.handlers, o.name)
	}
	var za *wcApp
	for _, sc := range []*wcScope{s, b.root} {
		for _, n := range tries {
			if za == nil && sc.apps[n] != nil {
				za = sc.apps[n]
			}
			b.used[n] = true
		}
	}
	if za == nil {
		b.lost = append(b.lost, h)
		return a
	}
	a.envAt, a.workersAt = za.at, za.at
	a.env = za.env
	a.minWorkers, a.maxWorkers, a.minSet, a.maxSet = za.minWorkers, za.maxWorkers, za.minSet, za.maxSet
	return a
}

// wfastcgiApp builds the app of a wfastcgi handler; its settings are the
// <appSettings> of the file and of its location.
func (b *appBuilder) wfastcgiApp(s *wcScope, h *wcHandler) *draftApp {
	hint, _, _ := strings.Cut(h.processor, "|")
	name := strings.TrimSpace(h.name)
	if name == "" {
		name = WfastcgiEngine
	}
	a := &draftApp{
		name: name, at: h.at, pathAt: h.at, rootAt: h.at, engine: WfastcgiEngine, engineAt: h.at,
		workersAt: h.at, interpreterHint: strings.TrimSpace(hint), handlers: []string{h.name},
	}
	if s != b.root {
		a.env = append(a.env, b.root.settings...)
	}
	a.env = append(a.env, s.settings...)
	if len(a.env) > 0 {
		a.envAt = a.env[0].at
	}
	return a
}

// settingsApp is the wfastcgi app of a web.config whose FastCGI handler lives in
// applicationHost.config: <appSettings> with a WSGI_HANDLER and no handler.
func (b *appBuilder) settingsApp(settings []draftVar) *draftApp {
	v, ok := findVar(settings, VarWSGIHandler)
	if !ok {
		return nil
	}
	return &draftApp{name: WfastcgiEngine, at: v.at, pathAt: v.at, rootAt: v.at, engine: WfastcgiEngine,
		engineAt: v.at, workersAt: v.at, envAt: v.at}
}

// findVar returns the last variable of that name, ignoring case.
func findVar(vars []draftVar, name string) (draftVar, bool) {
	for i := len(vars) - 1; i >= 0; i-- {
		if strings.EqualFold(vars[i].name, name) {
			return vars[i], true
		}
	}
	return draftVar{}, false
}

// unusedApps warns once about each <application> that no handler reads,
// naming the handler that found no <application> when there is one: the
// usual cause is a name that differs between the two.
func (b *appBuilder) unusedApps() []string {
	var out []string
	for _, s := range b.w.scopes {
		names := make([]string, 0, len(s.apps))
		for n := range s.apps {
			if !b.used[n] {
				names = append(names, n)
			}
		}
		sort.Slice(names, func(i, j int) bool { return s.apps[names[i]].at.line < s.apps[names[j]].at.line })
		for _, n := range names {
			msg := "no handler in <handlers> serves this application; it is ignored"
			if len(b.lost) > 0 {
				h := b.lost[0]
				msg = fmt.Sprintf("no handler reads this <application>; handler %q (line %d) reads <application name=%q>: give both the same name",
					h.name, h.at.line, pairName(h.name))
			}
			out = append(out, warnAt(b.w.file, s.apps[n].at, n, msg))
		}
	}
	return out
}
