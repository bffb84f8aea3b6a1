package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"syscall"
)

// perFileDescriptors says fsnotify opens a descriptor for every watched folder and every file
// in it: its kqueue backend does (macOS and the BSDs). inotify (Linux) and
// ReadDirectoryChangesW (Windows) need one per folder, or one in all.
var perFileDescriptors = map[string]bool{"darwin": true, "freebsd": true, "openbsd": true,
	"netbsd": true, "dragonfly": true}[runtime.GOOS]

// descriptorBudget is how many descriptors the watcher may take: half the open-file limit,
// so that zoo-dev keeps enough for its connections and its workers' pipes.
var descriptorBudget = func() int { return openFileLimit() / 2 }

// treeTooBig is a tree that needs more descriptors than the budget allows. It counts as the
// system's limit (EMFILE), so the watcher polls instead, with the usual one-line warning.
type treeTooBig struct{ budget int }

func (e *treeTooBig) Error() string {
	return fmt.Sprintf("kqueue needs a descriptor per file: over %d files and folders to watch, half the open-file limit", e.budget)
}

func (e *treeTooBig) Is(target error) bool { return target == syscall.EMFILE }

// checkDescriptors returns a *treeTooBig when kqueue would need more descriptors than the
// budget for the tree; it stops counting there.
func (w *Watcher) checkDescriptors() error {
	if !perFileDescriptors {
		return nil
	}
	budget, n := descriptorBudget(), 0
	filepath.WalkDir(w.m.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && w.m.skipDir(p) {
			return filepath.SkipDir
		}
		if n++; n > budget {
			return filepath.SkipAll
		}
		return nil
	})
	if n > budget {
		return &treeTooBig{budget: budget}
	}
	return nil
}

// isTreeTooBig tells the budget's error from the system's own.
func isTreeTooBig(err error) bool {
	var t *treeTooBig
	return errors.As(err, &t)
}
