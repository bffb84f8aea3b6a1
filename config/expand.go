package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// expander replaces %NAME% in values the way IIS and Helicon Zoo do:
// %APPL_PHYSICAL_PATH% and %APPL_VIRTUAL_PATH% first, then variables the app
// set earlier in the file, then the process environment. An unknown name
// expands to nothing; a lone '%' stays as it is.
type expander struct {
	root, vpath string
	earlier     map[string]string // upper-cased name -> expanded value
	getenv      func(string) (string, bool)
	keep        []string // names left as %NAME% for the host to fill in (the port)
}

func newExpander(root, vpath string) *expander {
	return &expander{root: root, vpath: vpath, earlier: map[string]string{}, getenv: os.LookupEnv}
}

// expand returns s with every %NAME% replaced. self is the variable being
// defined, so that PYTHONPATH=...;%PYTHONPATH% reads the process's value.
func (x *expander) expand(s, self string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 || !isVarName(s[i+1:i+1+j]) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		if x.kept(s[i+1 : i+1+j]) {
			b.WriteString(s[i : i+2+j])
		} else {
			b.WriteString(x.lookup(s[i+1:i+1+j], self))
		}
		s = s[i+2+j:]
	}
	b.WriteString(s)
	return b.String()
}

// kept reports a name that expand leaves as written.
func (x *expander) kept(name string) bool {
	for _, k := range x.keep {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// set records an expanded app variable for later values.
func (x *expander) set(name, value string) { x.earlier[strings.ToUpper(name)] = value }

func (x *expander) lookup(name, self string) string {
	up := strings.ToUpper(name)
	switch up {
	case "APPL_PHYSICAL_PATH":
		return x.root
	case "APPL_VIRTUAL_PATH":
		return x.vpath
	}
	if v, ok := x.earlier[up]; ok && up != strings.ToUpper(self) {
		return v
	}
	if v, ok := x.getenv(name); ok {
		return v
	}
	if runtime.GOOS != "windows" {
		// Windows names are case-insensitive; a file written there may say %Path%.
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && strings.EqualFold(k, name) {
				return v
			}
		}
	}
	return ""
}

// isVarName accepts names like PYTHONPATH or ProgramFiles(x86).
func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r == '_' || r == '(' || r == ')' || r == '.' || r == '-' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// isPathList reports whether the variable holds a list of folders that must
// become native on this OS.
func isPathList(name string) bool {
	up := strings.ToUpper(name)
	return up == "PYTHONPATH" || up == "PATH"
}

// splitPathList splits a PYTHONPATH-like value written for Windows or for
// unix into native absolute paths: ';' (and ':' off Windows) separate, '\'
// becomes '/', relative elements are taken against root, and empty elements
// are dropped. Off Windows, drive paths such as C:\Python39 mean nothing and
// are returned as dropped instead.
func splitPathList(value, root string) (paths, dropped []string) {
	for _, el := range strings.Split(value, ";") {
		el = strings.TrimSpace(el)
		if runtime.GOOS == "windows" {
			if el != "" {
				paths = append(paths, nativePath(el, root))
			}
			continue
		}
		if isDrivePath(el) {
			dropped = append(dropped, el)
			continue
		}
		for _, part := range strings.Split(el, ":") {
			if part = strings.TrimSpace(part); part != "" {
				paths = append(paths, nativePath(part, root))
			}
		}
	}
	return paths, dropped
}

// isDrivePath reports a Windows path with a drive letter, like C:\x or D:.
func isDrivePath(el string) bool {
	if len(el) < 2 || el[1] != ':' {
		return false
	}
	c := el[0] | 0x20
	return c >= 'a' && c <= 'z' && (len(el) == 2 || el[2] == '\\' || el[2] == '/')
}

// nativePath makes a path written with either slash absolute and native.
func nativePath(p, root string) string {
	if runtime.GOOS != "windows" {
		p = strings.ReplaceAll(p, `\`, "/")
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	return filepath.Clean(p)
}
