// Package watch reports bursts of changes to an app's source files, so the host can reload it.
//
// It watches every folder under the app root with fsnotify (adding folders as they appear),
// keeps only files that match the app's masks or regex, never looks into version control,
// caches, virtualenvs or the folders and files zoo-dev writes, and turns a burst of events
// (format on save, git checkout) into one Change. When the system runs out of inotify watches
// or descriptors it says so once and polls instead; on macOS, where kqueue takes a descriptor
// per file, it polls from the start a tree of more files than half the open-file limit.
package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Options say what to watch and how.
type Options struct {
	// Root is the app root; every folder under it is watched.
	Root string
	// Masks are the globs of WATCH_FILE_CHANGES_MASK. A mask without '/' matches the base
	// name ("*.py"); one with '/' matches the root-relative slash path, "**" standing for any
	// number of folders ("templates/**/*.html").
	Masks []string
	// Regex is wfastcgi's WSGI_RESTART_FILE_REGEX, searched in the root-relative slash path
	// and in the base name. Masks, Regex or both must be set.
	Regex string
	// Ignore lists folders never watched or reported (ERROR_LOG_DIR, the run folder), absolute
	// or relative to Root. .git, __pycache__, node_modules, virtualenvs and the like are
	// always ignored.
	Ignore []string
	// IgnoreFiles lists files zoo-dev writes (DEPLOY_LOG), never reported.
	IgnoreFiles []string
	// Debounce is the pause that ends a burst; default 50ms.
	Debounce time.Duration
	// MaxWait caps a burst that never pauses; default 1s.
	MaxWait time.Duration
	// PollInterval is the period of the polling fallback; default 500ms.
	PollInterval time.Duration
	// ForcePoll polls from the start instead of using fsnotify (network file systems).
	ForcePoll bool
}

// Mode names.
const (
	ModeNotify = "fsnotify"
	ModePoll   = "poll"
)

// Watcher watches one app root. New sets the watches (changes from then on are seen); Run
// delivers them.
type Watcher struct {
	opts     Options
	m        *matcher
	changes  chan Change
	warnings chan string
	mode     atomic.Value // string

	// Owned by New, then by the Run goroutine.
	fsw   *fsnotify.Watcher   // nil when polling
	dirs  map[string]bool     // watched folders, absolute
	known map[string]bool     // matching files seen, root-relative (fsnotify mode)
	snap  map[string]fileStat // last scan (poll mode)
	poll  *time.Timer         // poll mode only
	burst *burst
}

// New checks the options and sets the watches, or prepares polling when the options or the
// system ask for it.
func New(opts Options) (*Watcher, error) {
	opts = withDefaults(opts)
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", opts.Root, err)
	}
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("watch %s: not a folder", root)
	}
	opts.Root = root
	m, err := newMatcher(root, opts.Masks, opts.Regex, opts.Ignore, opts.IgnoreFiles)
	if err != nil {
		return nil, err
	}
	w := &Watcher{
		opts: opts, m: m,
		changes:  make(chan Change),
		warnings: make(chan string, 16),
		burst:    newBurst(opts.Debounce, opts.MaxWait),
	}
	if !opts.ForcePoll {
		err = w.checkDescriptors()
		if err == nil {
			err = w.startNotify()
		}
		if err == nil {
			return w, nil
		}
		if !isLimit(err) {
			return nil, err
		}
		w.warn(limitWarning(err, opts.PollInterval))
	}
	if err := w.startPoll(); err != nil {
		return nil, err
	}
	return w, nil
}

func withDefaults(o Options) Options {
	if o.Debounce <= 0 {
		o.Debounce = 50 * time.Millisecond
	}
	if o.MaxWait <= 0 {
		o.MaxWait = time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	return o
}

// Changes delivers one Change per burst. It is closed when Run returns. A Change not yet taken
// absorbs the following bursts, so a slow reader gets fewer, larger changes and loses none.
func (w *Watcher) Changes() <-chan Change { return w.changes }

// Warnings delivers one-line messages for the log (fallback to polling, lost events). Messages
// are dropped when nobody reads them; the channel is closed when Run returns.
func (w *Watcher) Warnings() <-chan string { return w.warnings }

// Mode is "fsnotify" or "poll".
func (w *Watcher) Mode() string { return w.mode.Load().(string) }

// Run delivers changes until ctx is done, then releases the watches and closes Changes and
// Warnings. Call it once.
func (w *Watcher) Run(ctx context.Context) error {
	defer close(w.warnings)
	defer close(w.changes)
	defer w.stopNotify()
	var ready *Change
	for {
		var out chan<- Change
		var next Change
		if ready != nil {
			out, next = w.changes, *ready
		}
		var events <-chan fsnotify.Event
		var errs <-chan error
		var pollC <-chan time.Time
		if w.fsw != nil {
			events, errs = w.fsw.Events, w.fsw.Errors
		} else {
			pollC = w.poll.C
		}
		select {
		case <-ctx.Done():
			return nil
		case ev := <-events:
			w.handleEvent(ev, time.Now())
		case err := <-errs:
			w.handleError(err, time.Now())
		case <-pollC:
			w.pollOnce(time.Now())
		case <-w.burst.C():
			if c := w.burst.take(w.stillCounts); len(c.Files) > 0 {
				ready = merge(ready, c)
			}
		case out <- next:
			ready = nil
		}
	}
}

// stillCounts drops files of a burst that lie in a folder ignored since (it became a
// virtualenv).
func (w *Watcher) stillCounts(rel string) bool {
	return rel == Overflow || !w.m.skipFile(filepath.Join(w.m.root, filepath.FromSlash(rel)))
}

// warn queues a message without ever blocking the watcher.
func (w *Watcher) warn(msg string) {
	select {
	case w.warnings <- msg:
	default:
	}
}
