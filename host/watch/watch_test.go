package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// waitFor bounds every wait for a change; generous so a loaded machine does not flake.
const waitFor = 5 * time.Second

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// start creates a watcher on opts and runs it until the test ends.
func start(t *testing.T, opts Options) *Watcher {
	t.Helper()
	w, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	run(t, w)
	return w
}

// run runs an already created watcher until the test ends, then checks that Run returns and
// closes Changes.
func run(t *testing.T, w *Watcher) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitFor):
			t.Error("Run did not return after cancel")
		}
		for range w.Changes() {
		}
	})
}

// next waits for the next change, failing the test after waitFor.
func next(t *testing.T, w *Watcher) Change {
	t.Helper()
	select {
	case c, ok := <-w.Changes():
		if !ok {
			t.Fatal("changes closed")
		}
		return c
	case <-time.After(waitFor):
		t.Fatalf("no change within %v (mode %s)", waitFor, w.Mode())
	}
	return Change{}
}

// expect waits for the next change and checks its files.
func expect(t *testing.T, w *Watcher, files ...string) Change {
	t.Helper()
	c := next(t, w)
	if !reflect.DeepEqual(c.Files, files) {
		t.Fatalf("changed files = %q, want %q", c.Files, files)
	}
	if c.First.IsZero() || c.Last.Before(c.First) {
		t.Errorf("burst times first=%v last=%v", c.First, c.Last)
	}
	return c
}

func TestWatchSaves(t *testing.T) {
	tests := []struct {
		name string
		save func(t *testing.T, root string) // changes app.py, which exists before start
		want []string
	}{
		{"in-place write", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "app.py"), "v2")
		}, []string{"app.py"}},
		{"write temp then rename", func(t *testing.T, root string) {
			tmp := filepath.Join(root, ".app.py.tmp1234")
			writeFile(t, tmp, "v2")
			if err := os.Rename(tmp, filepath.Join(root, "app.py")); err != nil {
				t.Fatal(err)
			}
		}, []string{"app.py"}},
		{"vim backup rename", func(t *testing.T, root string) {
			p := filepath.Join(root, "app.py")
			if err := os.Rename(p, p+"~"); err != nil {
				t.Fatal(err)
			}
			writeFile(t, p, "v2")
			if err := os.Remove(p + "~"); err != nil {
				t.Fatal(err)
			}
		}, []string{"app.py"}},
		{"chmod", func(t *testing.T, root string) {
			if err := os.Chmod(filepath.Join(root, "app.py"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"app.py"}},
		{"remove", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "app.py")); err != nil {
				t.Fatal(err)
			}
		}, []string{"app.py"}},
		{"file in a folder made after start", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "pkg", "sub", "m.py"), "x")
		}, []string{"pkg/sub/m.py"}},
		{"folder moved in", func(t *testing.T, root string) {
			out := filepath.Join(t.TempDir(), "lib")
			writeFile(t, filepath.Join(out, "a.py"), "x")
			if err := os.Rename(out, filepath.Join(root, "lib")); err != nil {
				t.Fatal(err)
			}
		}, []string{"lib/a.py"}},
		{"folder moved away", func(t *testing.T, root string) {
			if err := os.Rename(filepath.Join(root, "old"), filepath.Join(t.TempDir(), "old")); err != nil {
				t.Fatal(err)
			}
		}, []string{"old/a.py", "old/deep/b.py"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, filepath.Join(root, "app.py"), "v1")
			writeFile(t, filepath.Join(root, "old", "a.py"), "x")
			writeFile(t, filepath.Join(root, "old", "deep", "b.py"), "x")
			w := start(t, Options{Root: root, Masks: []string{"*.py"}})
			if w.Mode() != ModeNotify {
				t.Fatalf("mode %s, want %s", w.Mode(), ModeNotify)
			}
			tt.save(t, root)
			expect(t, w, tt.want...)
		})
	}
}

// TestNewFolderIsWatched proves a folder made after start gets its own watch: a later write in
// it is seen, not only the files found when it was walked.
func TestNewFolderIsWatched(t *testing.T) {
	root := t.TempDir()
	w := start(t, Options{Root: root, Masks: []string{"*.py"}})
	writeFile(t, filepath.Join(root, "a", "b", "c", "m.py"), "1")
	expect(t, w, "a/b/c/m.py")
	writeFile(t, filepath.Join(root, "a", "b", "c", "m.py"), "2")
	expect(t, w, "a/b/c/m.py")
	writeFile(t, filepath.Join(root, "a", "b", "n.py"), "1")
	expect(t, w, "a/b/n.py")
}

// TestIgnored shows ignored changes never make a Change: the first Change after them holds only
// the matching file changed last.
func TestIgnored(t *testing.T) {
	tests := []struct {
		name   string
		before bool // the ignored folder exists before start
		file   string
	}{
		{"unmatched file", true, "notes.txt"},
		{"unmatched file in a new folder", false, "docs/notes.txt"},
		{"ERROR_LOG_DIR", true, "log/error.py"},
		{"ERROR_LOG_DIR made after start", false, "log/error.py"},
		{"IgnoreFiles", true, "deploy.py"},
		{"__pycache__", true, "pkg/__pycache__/m.py"},
		{"__pycache__ made after start", false, "pkg/__pycache__/m.py"},
		{".git", true, ".git/hooks/post.py"},
		{"node_modules", false, "node_modules/x/y.py"},
		{".venv", true, ".venv/lib/site.py"},
		{"virtualenv by pyvenv.cfg", true, "env/lib/site.py"},
		{"editor lock", true, ".#app.py"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, filepath.Join(root, "env", "pyvenv.cfg"), "home = /usr\n")
			if tt.before {
				writeFile(t, filepath.Join(root, filepath.FromSlash(tt.file)), "0")
			}
			w := start(t, Options{Root: root, Masks: []string{"*.py"},
				Ignore:      []string{filepath.Join(root, "log")},
				IgnoreFiles: []string{filepath.Join(root, "deploy.py")}})
			writeFile(t, filepath.Join(root, filepath.FromSlash(tt.file)), "1")
			writeFile(t, filepath.Join(root, "app.py"), "1")
			expect(t, w, "app.py")
		})
	}
}

// TestVenvMadeAfterStart covers python -m venv: the folder appears first, pyvenv.cfg later.
func TestVenvMadeAfterStart(t *testing.T) {
	root := t.TempDir()
	w := start(t, Options{Root: root, Masks: []string{"*.py"}})
	env := filepath.Join(root, "env")
	if err := os.MkdirAll(filepath.Join(env, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(env, "pyvenv.cfg"), "home = /usr\n")
	writeFile(t, filepath.Join(env, "lib", "site.py"), "1")
	writeFile(t, filepath.Join(root, "app.py"), "1")
	expect(t, w, "app.py")
}

func TestBurstIsOneChange(t *testing.T) {
	root := t.TempDir()
	for i := range 100 {
		writeFile(t, filepath.Join(root, "pkg", fmt.Sprintf("m%03d.py", i)), "v1")
	}
	w := start(t, Options{Root: root, Masks: []string{"*.py"}})
	var want []string
	for i := range 100 {
		name := fmt.Sprintf("m%03d.py", i)
		writeFile(t, filepath.Join(root, "pkg", name), "v2")
		want = append(want, "pkg/"+name)
	}
	c := expect(t, w, want...)
	t.Logf("100 files: burst of %v, delivered %v after the last event",
		c.Last.Sub(c.First), time.Since(c.Last).Round(time.Millisecond))
	writeFile(t, filepath.Join(root, "app.py"), "1")
	expect(t, w, "app.py")
}

// TestBurstCap shows a stream of events that never pauses still ends in a Change by MaxWait.
func TestBurstCap(t *testing.T) {
	root := t.TempDir()
	w := start(t, Options{Root: root, Masks: []string{"*.py"}, Debounce: 200 * time.Millisecond, MaxWait: 300 * time.Millisecond})
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	stop := time.After(waitFor)
	for i := 0; ; i++ {
		select {
		case c := <-w.Changes():
			// An event racing the timer may still join the burst: allow one more tick.
			if d := c.Last.Sub(c.First); d > 400*time.Millisecond {
				t.Fatalf("burst lasted %v, want about MaxWait 300ms", d)
			}
			return
		case <-tick.C:
			writeFile(t, filepath.Join(root, "app.py"), fmt.Sprint(i))
		case <-stop:
			t.Fatal("no change while events kept coming")
		}
	}
}

// TestFolderRenamed renames a folder inside the root: its files are reported under both names,
// and later saves in its subfolders carry the new name, not the stale one.
func TestFolderRenamed(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "old", "a.py"), "1")
	writeFile(t, filepath.Join(root, "old", "deep", "b.py"), "1")
	w := start(t, Options{Root: root, Masks: []string{"*.py"}})
	if err := os.Rename(filepath.Join(root, "old"), filepath.Join(root, "new")); err != nil {
		t.Fatal(err)
	}
	expect(t, w, "new/a.py", "new/deep/b.py", "old/a.py", "old/deep/b.py")
	writeFile(t, filepath.Join(root, "new", "deep", "b.py"), "2")
	expect(t, w, "new/deep/b.py")
}
