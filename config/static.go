package config

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A sub-folder whose web.config removes the app's handler is served by IIS as
// plain files (Azure's "static web.config"); so is a <location> that only
// removes handlers. staticFolders finds both and lists them in Site.Static.

// staticWalkLimit bounds how many folders the search for sub-folder web.configs visits.
const staticWalkLimit = 5000

// staticFolders fills Site.Static for a web.config site.
func (r *resolver) staticFolders() {
	dir := filepath.Dir(r.d.file)
	for _, st := range r.d.static {
		if st.location != "" && isDir(filepath.Join(dir, filepath.FromSlash(st.location))) {
			r.addStatic("/"+st.location, filepath.Join(dir, filepath.FromSlash(st.location)))
		}
	}
	visited := 0
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return nil
		}
		if visited++; visited > staticWalkLimit {
			return filepath.SkipAll
		}
		if p != dir && skipFolder(p, e.Name()) {
			return filepath.SkipDir
		}
		if file := filepath.Join(p, WebConfigName); p != dir && isFile(file) {
			r.subWebConfig(dir, p, file)
		}
		return nil
	})
	sort.Slice(r.s.Static, func(i, j int) bool { return r.s.Static[i].Path < r.s.Static[j].Path })
}

// skipFolder reports folders that hold no site content: hidden ones, caches,
// installed packages and virtualenvs.
func skipFolder(p, name string) bool {
	switch strings.ToLower(name) {
	case "node_modules", "__pycache__", "site-packages", "python_modules":
		return true
	}
	return strings.HasPrefix(name, ".") || isFile(filepath.Join(p, "pyvenv.cfg"))
}

// subWebConfig adds the folder of a web.config that turns the app's handler off.
func (r *resolver) subWebConfig(siteDir, folder, file string) {
	rel, err := filepath.Rel(siteDir, folder)
	if err != nil {
		return
	}
	urlPath := "/" + filepath.ToSlash(rel)
	data, err := os.ReadFile(file)
	if err != nil {
		return
	}
	sub, err := decodeWebConfig(file, data)
	if err != nil {
		r.s.Warnings = append(r.s.Warnings, err.Error()+"; IIS would fail on "+urlPath+", zoo-dev ignores this file")
		return
	}
	if len(sub.apps) > 0 {
		r.s.Warnings = append(r.s.Warnings, fmt.Sprintf("%s: declares its own application; zoo-dev serves %s from %s (run zoo-dev on %s for that one)",
			shortPath(file), urlPath, shortPath(r.d.file), shortPath(folder)))
		return
	}
	for _, st := range sub.static {
		if st.location != "" {
			continue
		}
		if h, ok := r.removesHandler(urlPath, st.removed); !ok {
			r.s.Warnings = append(r.s.Warnings, warnAt(file, st.at, "",
				fmt.Sprintf("removes no handler of the app (its handler is %q); IIS keeps running the app for %s", h, urlPath)))
			return
		}
		r.addStatic(urlPath, folder)
	}
}

// removesHandler reports whether the removed names turn off the handler of the
// app that serves urlPath; it also returns that handler's name.
func (r *resolver) removesHandler(urlPath string, removed []string) (string, bool) {
	var serving *draftApp
	best := -1
	for i, a := range r.s.Apps {
		if (a.Path == "/" || urlPath == a.Path || strings.HasPrefix(urlPath, a.Path+"/")) && len(a.Path) > best {
			best, serving = len(a.Path), r.d.apps[i]
		}
	}
	if serving == nil || len(serving.handlers) == 0 {
		return "", true
	}
	for _, rm := range removed {
		for _, h := range serving.handlers {
			if rm == "" || strings.EqualFold(rm, h) || strings.EqualFold(pairName(rm), pairName(h)) {
				return h, true
			}
		}
	}
	return serving.handlers[0], false
}

func (r *resolver) addStatic(urlPath, folder string) {
	for _, s := range r.s.Static {
		if s.Path == urlPath {
			return
		}
	}
	r.s.Static = append(r.s.Static, StaticFolder{Path: urlPath, Root: folder})
}
