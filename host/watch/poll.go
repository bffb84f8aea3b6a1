package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// fileStat is what polling compares: a save changes the modification time, the size or both.
type fileStat struct {
	mod  time.Time
	size int64
}

// startPoll takes the first snapshot and arms the poll timer.
func (w *Watcher) startPoll() error {
	snap, err := w.scan()
	if err != nil {
		return err
	}
	w.snap = snap
	w.poll = time.NewTimer(w.opts.PollInterval)
	w.mode.Store(ModePoll)
	return nil
}

// pollOnce compares a new snapshot with the last one and re-arms the timer, so slow scans of
// big trees never pile up.
func (w *Watcher) pollOnce(now time.Time) {
	snap, err := w.scan()
	if err != nil {
		w.warn(err.Error())
	} else {
		w.burst.add(now, diff(w.snap, snap)...)
		w.snap = snap
	}
	w.poll.Reset(w.opts.PollInterval)
}

// scan stats every matching file under the root, skipping ignored folders.
func (w *Watcher) scan() (map[string]fileStat, error) {
	snap := map[string]fileStat{}
	err := filepath.WalkDir(w.m.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == w.m.root {
				return fmt.Errorf("watch %s: %w", p, err)
			}
			return nil // gone meanwhile, or unreadable
		}
		if d.IsDir() {
			if w.m.skipDir(p) {
				return filepath.SkipDir
			}
			return nil
		}
		rel := w.m.rel(p)
		if w.m.skipFile(p) || !w.m.matches(rel) {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			snap[rel] = fileStat{mod: fi.ModTime(), size: fi.Size()}
		}
		return nil
	})
	return snap, err
}

// diff lists the files added, changed or removed between two snapshots.
func diff(old, cur map[string]fileStat) []string {
	var files []string
	for rel, st := range cur {
		if was, ok := old[rel]; !ok || !was.mod.Equal(st.mod) || was.size != st.size {
			files = append(files, rel)
		}
	}
	for rel := range old {
		if _, ok := cur[rel]; !ok {
			files = append(files, rel)
		}
	}
	return files
}

// isLimit reports whether err says the system ran out of inotify watches or instances (or,
// with kqueue, of file descriptors).
func isLimit(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE)
}

// limitWarning explains a fallback to polling and how to avoid it.
func limitWarning(err error, every time.Duration) string {
	what, knob := "file descriptor limit reached", ""
	if runtime.GOOS == "linux" && !isTreeTooBig(err) {
		what, knob = "inotify watch limit reached", "fs.inotify.max_user_watches"
		if errors.Is(err, syscall.EMFILE) {
			what, knob = "inotify instance limit reached", "fs.inotify.max_user_instances"
		}
	}
	if knob == "" {
		return fmt.Sprintf("%s (%v): falling back to polling every %v; raise it with ulimit -n", what, err, every)
	}
	cur := "?"
	if b, rerr := os.ReadFile("/proc/sys/" + strings.ReplaceAll(knob, ".", "/")); rerr == nil {
		cur = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s (%s=%s): falling back to polling every %v; raise it with sudo sysctl %s=524288",
		what, knob, cur, every, knob)
}
