package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// TestPatterns runs the regex and "**" masks through a real watcher: the unmatched file is
// written first, so a Change holding only the matching one proves it was left out.
func TestPatterns(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		skip, hit string
	}{
		{"wfastcgi regex", Options{Regex: `.*((\.py)|(\.config))$`}, "notes.txt", "web.config"},
		{"regex on the path", Options{Regex: `^pkg/`}, "lib/a.py", "pkg/a.txt"},
		{"masks and regex", Options{Masks: []string{"*.html"}, Regex: `\.py$`}, "a.css", "x/a.py"},
		{"** mask", Options{Masks: []string{"templates/**/*.html"}}, "static/a/b.html", "templates/a/b/c.html"},
		{"** mask at the root", Options{Masks: []string{"**/*.py"}}, "a.pyc", "a.py"},
		{"path mask", Options{Masks: []string{"conf/*.ini"}}, "other/conf/x.ini", "conf/x.ini"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			opts := tt.opts
			opts.Root = root
			w := start(t, opts)
			writeFile(t, filepath.Join(root, filepath.FromSlash(tt.skip)), "1")
			writeFile(t, filepath.Join(root, filepath.FromSlash(tt.hit)), "1")
			expect(t, w, tt.hit)
		})
	}
}

func TestPollMode(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "app.py"), "v1")
	writeFile(t, filepath.Join(root, "gone.py"), "v1")
	writeFile(t, filepath.Join(root, "log", "x.py"), "v1")
	w := start(t, Options{Root: root, Masks: []string{"*.py"}, ForcePoll: true, PollInterval: 20 * time.Millisecond,
		Ignore: []string{"log"}})
	if w.Mode() != ModePoll {
		t.Fatalf("mode %s, want %s", w.Mode(), ModePoll)
	}
	writeFile(t, filepath.Join(root, "notes.txt"), "1")
	writeFile(t, filepath.Join(root, "log", "x.py"), "v2")
	writeFile(t, filepath.Join(root, "app.py"), "v2")
	expect(t, w, "app.py")
	// Same size: the modification time alone tells.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(root, "app.py"), later, later); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "gone.py")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "new", "n.py"), "1")
	expect(t, w, "app.py", "gone.py", "new/n.py")
}

// TestFallBackToPoll runs out of watches when a folder appears after start: one warning, poll
// mode, and the files of that folder and later saves are still reported.
func TestFallBackToPoll(t *testing.T) {
	orig := addWatch
	t.Cleanup(func() { addWatch = orig })
	addWatch = func(fsw *fsnotify.Watcher, dir string) error {
		if filepath.Base(dir) == "deep" {
			return fmt.Errorf("add watch: %w", syscall.ENOSPC)
		}
		return fsw.Add(dir)
	}
	root := t.TempDir()
	w := start(t, Options{Root: root, Masks: []string{"*.py"}, PollInterval: 20 * time.Millisecond})
	if w.Mode() != ModeNotify {
		t.Fatalf("mode %s before the limit, want %s", w.Mode(), ModeNotify)
	}
	writeFile(t, filepath.Join(root, "deep", "a.py"), "1")
	expect(t, w, "deep/a.py")
	msg := warning(t, w)
	if !strings.Contains(msg, "limit reached") || !strings.Contains(msg, "falling back to polling every 20ms") {
		t.Errorf("warning %q does not explain the fallback", msg)
	}
	t.Logf("warning: %s", msg)
	if w.Mode() != ModePoll {
		t.Fatalf("mode %s after the limit, want %s", w.Mode(), ModePoll)
	}
	writeFile(t, filepath.Join(root, "deep", "a.py"), "22")
	expect(t, w, "deep/a.py")
}

// TestLimitAtStart falls back at New when the very first watches fail.
func TestLimitAtStart(t *testing.T) {
	orig := addWatch
	t.Cleanup(func() { addWatch = orig })
	addWatch = func(*fsnotify.Watcher, string) error { return fmt.Errorf("add: %w", syscall.EMFILE) }
	root := t.TempDir()
	w := start(t, Options{Root: root, Masks: []string{"*.py"}, PollInterval: 20 * time.Millisecond})
	if w.Mode() != ModePoll {
		t.Fatalf("mode %s, want %s", w.Mode(), ModePoll)
	}
	writeFile(t, filepath.Join(root, "app.py"), "1")
	expect(t, w, "app.py")
	if msg := warning(t, w); !strings.Contains(msg, "falling back to polling") {
		t.Errorf("warning %q", msg)
	}
}

// TestOverflow fills the kernel queue before Run reads it: the watcher must say so and report
// a Change that makes the host reload.
func TestOverflow(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a.py"), filepath.Join(root, "b.py")
	writeFile(t, a, "1")
	writeFile(t, b, "1")
	w, err := New(Options{Root: root, Masks: []string{"*.py"}})
	if err != nil {
		t.Fatal(err)
	}
	// Alternate files so the kernel cannot merge repeated events; 40000 > max_queued_events
	// (16384 by default).
	for i := range 40000 {
		if err := os.Chmod([]string{a, b}[i%2], os.FileMode(0o600|i%2<<7)); err != nil {
			t.Fatal(err)
		}
	}
	run(t, w)
	// The kernel reports the overflow after the events it kept: on a loaded machine
	// a pause in reading them can end a burst of a.py and b.py first.
	c := next(t, w)
	for c.Files[0] != Overflow && slices.Equal(c.Files, []string{"a.py", "b.py"}) {
		c = next(t, w)
	}
	if c.Files[0] != Overflow {
		t.Fatalf("change %q, want %q first", c.Files, Overflow)
	}
	if msg := warning(t, w); !strings.Contains(msg, "rescanning") {
		t.Errorf("warning %q", msg)
	}
}

// warning waits for the next warning, failing the test after waitFor.
func warning(t *testing.T, w *Watcher) string {
	t.Helper()
	select {
	case msg := <-w.Warnings():
		return msg
	case <-time.After(waitFor):
		t.Fatal("no warning")
	}
	return ""
}
