package watch

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// On macOS kqueue takes a descriptor per file: a tree of more files than the budget is polled
// from the start, with the one-line warning; a smaller one gets fsnotify. Ignored folders do
// not count. The budget is made small here; the logic is the same on every OS.
func TestKqueueBudget(t *testing.T) {
	origPer, origBudget := perFileDescriptors, descriptorBudget
	t.Cleanup(func() { perFileDescriptors, descriptorBudget = origPer, origBudget })
	perFileDescriptors, descriptorBudget = true, func() int { return 8 }

	small := t.TempDir()
	for _, f := range []string{"a.py", "b.py", "pkg/c.py", ".git/1", ".git/2", ".git/3", ".git/4", ".git/5", ".git/6"} {
		writeFile(t, filepath.Join(small, filepath.FromSlash(f)), "1")
	}
	if w := start(t, Options{Root: small, Masks: []string{"*.py"}}); w.Mode() != ModeNotify {
		t.Fatalf("a tree within the budget: mode %s, want %s", w.Mode(), ModeNotify)
	}

	big := t.TempDir()
	for i := range 9 {
		writeFile(t, filepath.Join(big, "m", string(rune('a'+i))+".py"), "1")
	}
	w := start(t, Options{Root: big, Masks: []string{"*.py"}, PollInterval: 20 * time.Millisecond})
	if w.Mode() != ModePoll {
		t.Fatalf("a tree over the budget: mode %s, want %s", w.Mode(), ModePoll)
	}
	msg := warning(t, w)
	if !strings.Contains(msg, "kqueue needs a descriptor per file: over 8 files and folders") ||
		!strings.Contains(msg, "falling back to polling every 20ms; raise it with ulimit -n") {
		t.Errorf("warning %q does not explain the fallback", msg)
	}
	writeFile(t, filepath.Join(big, "m", "a.py"), "22")
	expect(t, w, "m/a.py")
}
