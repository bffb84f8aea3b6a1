package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Error is a configuration mistake a user can fix. Error() is one line:
//
//	FILE:LINE:COL: application "X": SETTING "VALUE": message
//
// Parts that are unknown (no line, no app, no setting) are left out.
type Error struct {
	File    string // the config file (or folder) as given, absolute when known
	Line    int    // 1-based; 0 when the error is about the file as a whole
	Col     int    // 1-based; 0 when unknown
	App     string // the application's name, when the error belongs to one
	Setting string // the setting's name, e.g. WSGI_APP or min_workers
	Value   string // the bad value as written (after expansion where that matters)
	Msg     string // what is wrong and, where it helps, the fix
	Err     error  // the underlying error, if any (for errors.Is / errors.As)
	// Warnings are the findings made before the error, each one line like
	// Site.Warnings; one of them may explain the error.
	Warnings []string
}

// Error formats the one-line message.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(shortPath(e.File))
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
			if e.Col > 0 {
				b.WriteString(":" + strconv.Itoa(e.Col))
			}
		}
		b.WriteString(": ")
	}
	if e.App != "" {
		b.WriteString("application " + quote(e.App) + ": ")
	}
	if e.Setting != "" {
		b.WriteString(e.Setting)
		if e.Value != "" || e.Msg == "" {
			b.WriteString(" " + quote(e.Value))
		}
		b.WriteString(": ")
	}
	b.WriteString(oneLine(e.Msg))
	return b.String()
}

// MarshalJSON writes the error as `zoo-dev check --json` prints it:
// {"file", "line", "column", "message"} (message without the position), and the
// warnings when there are any. Line and column are 0 when unknown.
func (e *Error) MarshalJSON() ([]byte, error) {
	msg := *e
	msg.File, msg.Line, msg.Col = "", 0, 0
	return json.Marshal(struct {
		File     string   `json:"file"`
		Line     int      `json:"line"`
		Column   int      `json:"column"`
		Message  string   `json:"message"`
		Warnings []string `json:"warnings,omitempty"`
	}{e.File, e.Line, e.Col, msg.Error(), e.Warnings})
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// pos is a 1-based line and column in a config file.
type pos struct{ line, col int }

// errorAt builds an *Error for file at p.
func errorAt(file string, p pos, app, setting, value, msg string) *Error {
	return &Error{File: file, Line: p.line, Col: p.col, App: app, Setting: setting, Value: value, Msg: msg}
}

// warnAt formats a warning the same way as an error, so it names the file and line.
func warnAt(file string, p pos, app, msg string) string {
	return errorAt(file, p, app, "", "", msg).Error()
}

// shortPath returns p relative to the working directory when that is shorter.
func shortPath(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || len(rel) >= len(p) {
		return p
	}
	return rel
}

// quote wraps s in double quotes, keeping backslashes (Windows paths read as
// written) but escaping quotes and control characters so the message stays one
// line. Long values are cut.
func quote(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "..."
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r < 0x20 || r == 0x7f:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// oneLine replaces line breaks so that a message never spans lines.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
