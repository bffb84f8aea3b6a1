package watch

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMaskMatch(t *testing.T) {
	tests := []struct {
		mask, rel string
		want      bool
	}{
		{"*.py", "wsgi.py", true},
		{"*.py", "pkg/sub/models.py", true},
		{"*.py", "wsgi.pyc", false},
		{"*.py", "pkg/readme.txt", false},
		{" *.py ", "a.py", true},
		{"web.config", "web.config", true},
		{"web.config", "sub/web.config", true},
		{"templates/*.html", "templates/index.html", true},
		{"templates/*.html", "templates/a/index.html", false},
		{"templates/*.html", "other/templates/index.html", false},
		{`templates\*.html`, "templates/index.html", true},
		{"./templates/*.html", "templates/index.html", true},
		{"**/*.py", "a.py", true},
		{"**/*.py", "x/y/z/a.py", true},
		{"**/*.py", "x/y/a.txt", false},
		{"templates/**/*.html", "templates/index.html", true},
		{"templates/**/*.html", "templates/a/b/c.html", true},
		{"templates/**/*.html", "static/a/b/c.html", false},
		{"pkg/**", "pkg/a/b.py", true},
		{"pkg/**", "lib/a/b.py", false},
		{"**/migrations/*.py", "app/migrations/0001.py", true},
		{"**/migrations/*.py", "app/views.py", false},
		{"conf/settings_?.py", "conf/settings_a.py", true},
		{"conf/[ab].py", "conf/c.py", false},
	}
	for _, tt := range tests {
		mk, err := compileMask(tt.mask)
		if err != nil {
			t.Fatalf("compileMask(%q): %v", tt.mask, err)
		}
		if got := mk.match(tt.rel); got != tt.want {
			t.Errorf("mask %q on %q = %v, want %v", tt.mask, tt.rel, got, tt.want)
		}
	}
}

func TestMaskErrors(t *testing.T) {
	for _, mask := range []string{"[", "templates/[x", "/"} {
		if _, err := compileMask(mask); err == nil {
			t.Errorf("compileMask(%q): no error", mask)
		}
	}
	if _, err := newMatcher("/app", nil, "", nil, nil); err == nil {
		t.Error("newMatcher without masks or regex: no error")
	}
	if _, err := newMatcher("/app", nil, "(", nil, nil); err == nil {
		t.Error("newMatcher with a bad regex: no error")
	}
}

func TestMatcher(t *testing.T) {
	m, err := newMatcher("/app", []string{"*.py", ""}, `^static/.*\.css$`, []string{"/app/log", "run"}, []string{"/app/deploy.py"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rel  string
		want bool
	}{
		{"wsgi.py", true},
		{"static/site.css", true}, // regex on the path
		{"other/site.css", false},
		{".#wsgi.py", false}, // emacs lock
		{"wsgi.py~", false},  // backup
		{"notes.txt", false},
	}
	for _, tt := range tests {
		if got := m.matches(tt.rel); got != tt.want {
			t.Errorf("matches(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
	skips := []struct {
		abs  string
		want bool
	}{
		{"/app/log/error.py", true},
		{"/app/run/w1.py", true},
		{"/app/logger.py", false},
		{"/app/deploy.py", true},
		{"/app/wsgi.py", false},
	}
	for _, tt := range skips {
		if got := m.skipFile(tt.abs); got != tt.want {
			t.Errorf("skipFile(%q) = %v, want %v", tt.abs, got, tt.want)
		}
	}
}

func TestSkipDir(t *testing.T) {
	root := t.TempDir()
	env := filepath.Join(root, "myenv")
	if err := os.MkdirAll(env, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(env, "pyvenv.cfg"), "home = /usr/bin\n")
	m, err := newMatcher(root, []string{"*.py"}, "", []string{filepath.Join(root, "log")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir  string
		want bool
	}{
		{"", false}, {"pkg", false}, {".git", true}, {"a/__pycache__", true}, {"node_modules", true},
		{".venv", true}, {"venv", true}, {"python_modules", true}, {".tox", true},
		{"myenv", true}, {"log", true}, {"log/sub", true}, {"logs", false},
	}
	for _, tt := range tests {
		if got := m.skipDir(filepath.Join(root, tt.dir)); got != tt.want {
			t.Errorf("skipDir(%q) = %v, want %v", tt.dir, got, tt.want)
		}
	}
}
