package config

import (
	"strings"
)

// keyLocator finds where keys are written in a TOML text. BurntSushi/toml
// keeps key positions private, but md.Keys() lists keys in file order, so a
// forward search for each key's last part from the previous hit finds it.
type keyLocator struct {
	lines     []string
	line, col int // 0-based cursor: the next search starts here
}

func newKeyLocator(text string) *keyLocator {
	return &keyLocator{lines: strings.Split(text, "\n")}
}

// find returns the 1-based position of the next key spelled name (bare or
// quoted) and moves past it; when the text does not show it (unusual
// quoting), the cursor's own position.
func (l *keyLocator) find(name string) pos {
	forms := []string{name, `"` + name + `"`, `'` + name + `'`}
	for ln := l.line; ln < len(l.lines); ln++ {
		text := l.lines[ln]
		from := 0
		if ln == l.line {
			from = min(l.col, len(text))
		}
		if c, n := keyAt(text, from, forms); c >= 0 {
			l.line, l.col = ln, c+n
			return pos{ln + 1, c + 1}
		}
	}
	return pos{min(l.line+1, len(l.lines)), 1}
}

// keyAt finds the first of forms in text at or after from that stands where a
// key stands: after the line start, '[', '.', '{' or ',' and before '=', ']'
// or '.' (spaces allowed around). It returns the column and the form's length.
func keyAt(text string, from int, forms []string) (int, int) {
	if i := commentStart(text); i >= 0 {
		text = text[:i]
	}
	best, size := -1, 0
	for _, f := range forms {
		for off := from; off <= len(text); {
			i := strings.Index(text[off:], f)
			if i < 0 {
				break
			}
			i += off
			if keyBefore(text[:i]) && keyAfter(text[i+len(f):]) && (best < 0 || i < best) {
				best, size = i, len(f)
				break
			}
			off = i + 1
		}
	}
	return best, size
}

func keyBefore(s string) bool {
	s = strings.TrimRight(s, " \t")
	return s == "" || strings.ContainsAny(s[len(s)-1:], "[.{,")
}

func keyAfter(s string) bool {
	s = strings.TrimLeft(s, " \t")
	return s != "" && strings.ContainsAny(s[:1], "=].")
}

// commentStart returns the index of a '#' outside quotes, or -1.
func commentStart(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\' && quote == '"':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#':
			return i
		}
	}
	return -1
}
