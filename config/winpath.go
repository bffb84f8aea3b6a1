package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Paths in a web.config were written for Windows. These helpers make them mean
// something on the machine zoo-dev runs on, and never a folder named "D:".

// winBase is the file name of a path written with either slash.
func winBase(p string) string {
	p = strings.TrimRight(strings.ReplaceAll(p, `\`, "/"), "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// stripLongPrefix drops Windows' \\?\ long-path prefix.
func stripLongPrefix(p string) string {
	return strings.TrimPrefix(p, `\\?\`)
}

// nativeSlashes turns '\' into the native separator.
func nativeSlashes(p string) string {
	if runtime.GOOS == "windows" {
		return p
	}
	return strings.ReplaceAll(p, `\`, "/")
}

// isWindowsOnly reports a path that only means something on a Windows server: a
// drive path, or Azure App Service's %HOME% (D:\home) as written.
func isWindowsOnly(raw, expanded string) bool {
	if runtime.GOOS == "windows" {
		return false
	}
	raw = strings.TrimSpace(stripLongPrefix(raw))
	return isDrivePath(strings.TrimSpace(expanded)) || isDrivePath(raw) || strings.HasPrefix(strings.ToUpper(raw), "%HOME%")
}

// projectPath finds where a Windows drive path lands in the project: the longest
// tail of it that exists under root (D:\home\site\wwwroot\app.py is root/app.py
// when root holds app.py); else root and the file name, with found false.
func projectPath(p, root string) (string, bool) {
	parts := strings.FieldsFunc(p[2:], func(r rune) bool { return r == '\\' || r == '/' })
	for i := range parts {
		cand := filepath.Join(append([]string{root}, parts[i:]...)...)
		if _, err := os.Stat(cand); err == nil {
			return cand, true
		}
	}
	if len(parts) == 0 {
		return root, false
	}
	return filepath.Join(root, parts[len(parts)-1]), false
}

// logPath resolves a log file or folder setting. A Windows-only path is mapped
// to the project's log folder (the file keeps its name) with one warning.
func (r *resolver) logPath(da *draftApp, at pos, setting, raw, expanded, root string, isDir bool) string {
	if !isWindowsOnly(raw, expanded) {
		return nativeOrEmpty(expanded, root)
	}
	mapped := filepath.Join(root, "log")
	if !isDir {
		mapped = filepath.Join(mapped, winBase(strings.TrimSpace(expanded)))
	}
	rel, err := filepath.Rel(root, mapped)
	if err != nil {
		rel = mapped
	}
	r.warn(at, da.name, fmt.Sprintf("%s %s: a Windows path; writing to %s in the project instead", setting, quote(raw), filepath.ToSlash(rel)))
	return mapped
}

// scriptProcessorNote says when a wfastcgi scriptProcessor is not an
// interpreter's path, as in a template not yet filled in (SCRIPT_PROCESSOR).
func (r *resolver) scriptProcessorNote(da *draftApp) {
	h := da.interpreterHint
	if da.engine != WfastcgiEngine || h == "" || strings.ContainsAny(h, `/\`) || pythonExe.MatchString(h) {
		return
	}
	r.warn(da.engineAt, da.name, fmt.Sprintf("scriptProcessor %s is not an interpreter's path (a template placeholder?); using the local Python", quote(h)))
}
