package watch

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// ignoredNames are folders never watched wherever they appear: version control, caches and
// virtualenvs change all the time and never hold the app's own code.
var ignoredNames = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "__pycache__": true, "node_modules": true,
	".venv": true, "venv": true, "python_modules": true, ".mypy_cache": true,
	".pytest_cache": true, ".tox": true,
}

// mask is one glob of WATCH_FILE_CHANGES_MASK split into its slash-separated parts.
type mask struct {
	parts []string
	base  bool // no '/': matched against the base name only
}

// compileMask normalises a glob (backslashes from web.config become '/', a leading "./" or "/"
// is dropped) and checks its syntax.
func compileMask(s string) (mask, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), `\`, "/")
	s = strings.TrimLeft(strings.TrimPrefix(s, "./"), "/")
	if s == "" {
		return mask{}, fmt.Errorf("watch mask %q: empty", s)
	}
	parts := strings.Split(s, "/")
	for _, p := range parts {
		if _, err := path.Match(p, ""); err != nil {
			return mask{}, fmt.Errorf("watch mask %q: %w", s, err)
		}
	}
	return mask{parts: parts, base: len(parts) == 1}, nil
}

// match reports whether the root-relative slash path rel matches the mask.
func (m mask) match(rel string) bool {
	if m.base {
		ok, _ := path.Match(m.parts[0], path.Base(rel))
		return ok
	}
	return matchParts(m.parts, strings.Split(rel, "/"))
}

// matchParts matches path segments against glob segments, where a "**" segment stands for any
// number of folders, none included.
func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchParts(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// matcher decides which files count (masks, regex) and which folders and files are never
// watched or reported (the ignore lists).
type matcher struct {
	root        string
	masks       []mask
	re          *regexp.Regexp
	ignoreDirs  []string // absolute, cleaned
	ignoreFiles map[string]bool
}

func newMatcher(root string, masks []string, regex string, ignore, ignoreFiles []string) (*matcher, error) {
	m := &matcher{root: root, ignoreFiles: map[string]bool{}}
	for _, s := range masks {
		if strings.TrimSpace(s) == "" {
			continue
		}
		mk, err := compileMask(s)
		if err != nil {
			return nil, err
		}
		m.masks = append(m.masks, mk)
	}
	if regex != "" {
		re, err := regexp.Compile(regex)
		if err != nil {
			return nil, fmt.Errorf("watch regex %q: %w", regex, err)
		}
		m.re = re
	}
	if len(m.masks) == 0 && m.re == nil {
		return nil, fmt.Errorf("watch %s: no masks and no regex: nothing would count", root)
	}
	for _, d := range ignore {
		m.ignoreDirs = append(m.ignoreDirs, absUnder(root, d))
	}
	for _, f := range ignoreFiles {
		m.ignoreFiles[absUnder(root, f)] = true
	}
	return m, nil
}

// absUnder makes p absolute, reading a relative p as relative to root.
func absUnder(root, p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	return filepath.Clean(p)
}

// matches reports whether the root-relative slash path rel is a file that counts. The regex
// (wfastcgi's WSGI_RESTART_FILE_REGEX) is searched in the relative path and in the base name.
func (m *matcher) matches(rel string) bool {
	if editorJunk(path.Base(rel)) {
		return false
	}
	for _, mk := range m.masks {
		if mk.match(rel) {
			return true
		}
	}
	return m.re != nil && (m.re.MatchString(rel) || m.re.MatchString(path.Base(rel)))
}

// editorJunk reports the lock and backup files editors leave next to a saved file (emacs
// ".#app.py", "app.py~"): they would match "*.py" but are never code.
func editorJunk(base string) bool {
	return strings.HasPrefix(base, ".#") || strings.HasSuffix(base, "~")
}

// skipDir reports whether the folder abs (below the root) is never watched: an ignored name,
// an ignored folder or one under it, or a virtualenv (it holds pyvenv.cfg).
func (m *matcher) skipDir(abs string) bool {
	if abs == m.root {
		return false
	}
	if ignoredNames[filepath.Base(abs)] || m.underIgnored(abs) {
		return true
	}
	_, err := os.Stat(filepath.Join(abs, "pyvenv.cfg"))
	return err == nil
}

// underIgnored reports whether abs is an ignored folder or lies inside one.
func (m *matcher) underIgnored(abs string) bool {
	for _, d := range m.ignoreDirs {
		if abs == d || strings.HasPrefix(abs, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// skipFile reports whether the file abs is never reported: zoo-dev writes it, or it lies in
// an ignored folder.
func (m *matcher) skipFile(abs string) bool {
	return m.ignoreFiles[abs] || m.underIgnored(abs)
}

// rel returns the root-relative slash path of abs.
func (m *matcher) rel(abs string) string {
	r, err := filepath.Rel(m.root, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(r)
}
