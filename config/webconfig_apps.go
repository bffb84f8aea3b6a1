package config

import (
	"sort"
	"strings"
)

// draft turns the scopes read from a web.config into applications: each
// Helicon Zoo handler (its name minus "#x86"/"#x64" names the <application>)
// and each FastCgiModule handler running wfastcgi.py is one app.
func (w *webConfig) draft() *draft {
	d := &draft{file: w.file, format: WebConfigName}
	root := w.scopes[0]
	for _, s := range w.scopes {
		used := map[string]bool{}
		for _, h := range s.handlers {
			var a *draftApp
			switch {
			case isZooHandler(h):
				a = w.zooApp(s, root, h, used)
			case isWfastcgiHandler(h):
				a = w.wfastcgiApp(s, root, h)
			}
			if a == nil {
				continue
			}
			if s.location != "" {
				a.path, a.pathAt, a.rootAt = "/"+s.location, s.at, s.at
				a.root = w.locationRoot(s)
			}
			d.apps = append(d.apps, a)
		}
		d.warnings = append(d.warnings, w.unusedApps(s, used)...)
	}
	return d
}

// isZooHandler reports a handler served by Helicon Zoo's module.
func isZooHandler(h *wcHandler) bool {
	return strings.HasPrefix(strings.ToLower(h.modules), "heliconzoo") || pythonEngine.MatchString(h.processor)
}

// isWfastcgiHandler reports Microsoft's FastCGI handler running wfastcgi.py.
func isWfastcgiHandler(h *wcHandler) bool {
	return strings.EqualFold(h.modules, "FastCgiModule") && strings.Contains(strings.ToLower(h.processor), "wfastcgi")
}

// zooApp builds the app of a Helicon Zoo handler; nil when its x86/x64 twin
// already made it.
func (w *webConfig) zooApp(s, root *wcScope, h *wcHandler, used map[string]bool) *draftApp {
	name, _, _ := strings.Cut(h.name, "#")
	name = strings.TrimSpace(name)
	if used[name] {
		return nil
	}
	used[name] = true
	a := &draftApp{name: name, at: h.at, pathAt: h.at, rootAt: h.at, engine: h.processor, engineAt: h.at, workersAt: h.at}
	za := s.apps[name]
	if za == nil {
		za = root.apps[name]
	}
	if za != nil {
		a.envAt, a.workersAt = za.at, za.at
		a.env = za.env
		a.minWorkers, a.maxWorkers, a.minSet, a.maxSet = za.minWorkers, za.maxWorkers, za.minSet, za.maxSet
	}
	return a
}

// wfastcgiApp builds the app of a wfastcgi handler; its settings are the
// <appSettings> of the file and of its location.
func (w *webConfig) wfastcgiApp(s, root *wcScope, h *wcHandler) *draftApp {
	hint, _, _ := strings.Cut(h.processor, "|")
	name := strings.TrimSpace(h.name)
	if name == "" {
		name = WfastcgiEngine
	}
	a := &draftApp{
		name: name, at: h.at, pathAt: h.at, rootAt: h.at, engine: WfastcgiEngine, engineAt: h.at,
		workersAt: h.at, interpreterHint: strings.TrimSpace(hint),
	}
	if s != root {
		a.env = append(a.env, root.settings...)
	}
	a.env = append(a.env, s.settings...)
	if len(a.env) > 0 {
		a.envAt = a.env[0].at
	}
	return a
}

// unusedApps warns about <application> elements that no handler serves.
func (w *webConfig) unusedApps(s *wcScope, used map[string]bool) []string {
	var names []string
	for n := range s.apps {
		if !used[n] && !w.usedAnywhere(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		out = append(out, warnAt(w.file, s.apps[n].at, n, "no handler in <handlers> serves this application; it is ignored"))
	}
	return out
}

// usedAnywhere reports whether any scope has a Helicon handler for the name.
func (w *webConfig) usedAnywhere(name string) bool {
	for _, s := range w.scopes {
		for _, h := range s.handlers {
			base, _, _ := strings.Cut(h.name, "#")
			if isZooHandler(h) && strings.TrimSpace(base) == name {
				return true
			}
		}
	}
	return false
}
