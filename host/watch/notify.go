package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// addWatch sets one folder watch; tests replace it to run out of watches on demand.
var addWatch = func(fsw *fsnotify.Watcher, dir string) error { return fsw.Add(dir) }

// startNotify opens fsnotify and watches the whole tree.
func (w *Watcher) startNotify() error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", w.m.root, err)
	}
	w.fsw, w.dirs, w.known = fsw, map[string]bool{}, map[string]bool{}
	w.mode.Store(ModeNotify)
	if err := w.watchTree(w.m.root, nil); err != nil {
		w.stopNotify()
		return err
	}
	return nil
}

// stopNotify releases the fsnotify watches, if any.
func (w *Watcher) stopNotify() {
	if w.fsw != nil {
		w.fsw.Close()
		w.fsw, w.dirs = nil, nil
	}
}

// watchTree watches dir and every folder below it that is not ignored. Matching files found
// are remembered, and passed to report when it is set: a new folder's files were made before
// its watch existed, so no event will tell about them.
func (w *Watcher) watchTree(dir string, report func(rel string)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || p != dir {
				return nil // gone meanwhile, or unreadable: nothing to watch there
			}
			return fmt.Errorf("watch %s: %w", p, err)
		}
		if d.IsDir() {
			if w.m.skipDir(p) {
				return filepath.SkipDir
			}
			if err := addWatch(w.fsw, p); err != nil {
				if isLimit(err) {
					return fmt.Errorf("watch %s: %w", p, err)
				}
				return nil // removed before the watch was set
			}
			w.dirs[p] = true
			if w.m.skipDir(p) { // its pyvenv.cfg came while the watch was being set: no event tells
				w.becameVenv(p)
				return filepath.SkipDir
			}
			return nil
		}
		if rel := w.m.rel(p); !w.m.skipFile(p) && w.m.matches(rel) {
			w.known[rel] = true
			if report != nil {
				report(rel)
			}
		}
		return nil
	})
}

// handleEvent turns one fsnotify event into files of the current burst.
func (w *Watcher) handleEvent(ev fsnotify.Event, now time.Time) {
	abs := filepath.Clean(ev.Name)
	if abs == w.m.root || w.m.skipFile(abs) {
		return
	}
	rel := w.m.rel(abs)
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(abs); err == nil && fi.IsDir() {
			w.newFolder(abs, now)
			return
		}
		if filepath.Base(abs) == "pyvenv.cfg" {
			w.becameVenv(filepath.Dir(abs))
			return
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if w.dirs[abs] {
			w.folderGone(abs, now)
			return
		}
		if w.m.matches(rel) {
			delete(w.known, rel)
			w.burst.add(now, rel)
		}
		return
	}
	if w.m.matches(rel) {
		w.known[rel] = true
		w.burst.add(now, rel)
	}
}

// newFolder watches a folder that appeared (made, or moved in) and reports the matching files
// already in it.
func (w *Watcher) newFolder(abs string, now time.Time) {
	if w.m.skipDir(abs) {
		return
	}
	err := w.watchTree(abs, func(rel string) { w.burst.add(now, rel) })
	if isLimit(err) {
		w.fallBack(err, now)
	} else if err != nil {
		w.warn(err.Error())
	}
}

// folderGone drops the watches of a removed or moved-away folder and reports the matching files
// it held: a move away sends no event for them.
func (w *Watcher) folderGone(abs string, now time.Time) {
	w.unwatch(abs)
	prefix := w.m.rel(abs) + "/"
	for rel := range w.known {
		if strings.HasPrefix(rel, prefix) {
			delete(w.known, rel)
			w.burst.add(now, rel)
		}
	}
}

// becameVenv stops watching a folder that turned into a virtualenv (python -m venv writes
// pyvenv.cfg after making the folder) and ignores it from now on.
func (w *Watcher) becameVenv(dir string) {
	if dir == w.m.root {
		return
	}
	w.unwatch(dir)
	w.m.ignoreDirs = append(w.m.ignoreDirs, dir)
	prefix := w.m.rel(dir) + "/"
	for rel := range w.known {
		if strings.HasPrefix(rel, prefix) {
			delete(w.known, rel)
		}
	}
}

// unwatch removes the watches of dir and every watched folder below it. A moved folder keeps
// its kernel watches under the old names; dropping them lets the new name be watched afresh.
func (w *Watcher) unwatch(dir string) {
	for d := range w.dirs {
		if d == dir || strings.HasPrefix(d, dir+string(filepath.Separator)) {
			w.fsw.Remove(d) // already gone with its folder, or removed now
			delete(w.dirs, d)
		}
	}
}

// handleError reacts to a watcher error: lost events mean a rescan and a reload.
func (w *Watcher) handleError(err error, now time.Time) {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		w.warn(fmt.Sprintf("watch %s: %v", w.m.root, err))
		return
	}
	w.warn(fmt.Sprintf("watch %s: too many events at once, some were lost: rescanning and reloading", w.m.root))
	w.burst.add(now, Overflow)
	if err := w.watchTree(w.m.root, nil); isLimit(err) {
		w.fallBack(err, now)
	} else if err != nil {
		w.warn(err.Error())
	}
}

// fallBack switches to polling after the system ran out of watches. Files that appeared since
// fsnotify last saw the tree are reported, since their events may be lost.
func (w *Watcher) fallBack(err error, now time.Time) {
	known := w.known
	w.stopNotify()
	w.known = nil
	w.warn(limitWarning(err, w.opts.PollInterval))
	if err := w.startPoll(); err != nil {
		w.warn(err.Error())
		return
	}
	for rel := range w.snap {
		if !known[rel] {
			w.burst.add(now, rel)
		}
	}
}
