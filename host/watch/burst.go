package watch

import (
	"sort"
	"time"
)

// Change is one burst of changes: the files that changed, root-relative slash paths, sorted and
// without duplicates, and the times of the burst's first and last events. Files is
// ["(overflow)"] (possibly with others) when the kernel dropped events and the exact files are
// unknown.
type Change struct {
	Files []string
	First time.Time
	Last  time.Time
}

// Overflow is the name reported in Change.Files when events were lost.
const Overflow = "(overflow)"

// burst gathers the files of events that come closer together than quiet; its timer fires once
// the events pause for quiet, or limit after the first event, so a stream that never pauses
// still ends a burst.
type burst struct {
	quiet, limit time.Duration
	files        map[string]bool
	first, last  time.Time
	timer        *time.Timer
	armed        bool
}

func newBurst(quiet, limit time.Duration) *burst {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &burst{quiet: quiet, limit: limit, files: map[string]bool{}, timer: t}
}

// add records files changed at now and pushes the end of the burst back.
func (b *burst) add(now time.Time, files ...string) {
	if len(files) == 0 {
		return
	}
	for _, f := range files {
		b.files[f] = true
	}
	if b.first.IsZero() {
		b.first = now
	}
	b.last = now
	wait := b.quiet
	if left := b.first.Add(b.limit).Sub(now); left < wait {
		wait = max(left, 0)
	}
	b.timer.Reset(wait)
	b.armed = true
}

// C fires when the burst is over; nil (never ready) while no burst is open.
func (b *burst) C() <-chan time.Time {
	if !b.armed {
		return nil
	}
	return b.timer.C
}

// take returns the burst as a Change and starts a new one. keep drops files that must no longer
// be reported (a folder became a virtualenv meanwhile).
func (b *burst) take(keep func(string) bool) Change {
	c := Change{First: b.first, Last: b.last}
	for f := range b.files {
		if keep(f) {
			c.Files = append(c.Files, f)
		}
	}
	sort.Strings(c.Files)
	b.timer.Stop()
	b.files, b.first, b.last, b.armed = map[string]bool{}, time.Time{}, time.Time{}, false
	return c
}

// merge folds a later change into an earlier one that was not yet delivered.
func merge(early *Change, late Change) *Change {
	if early == nil {
		return &late
	}
	seen := map[string]bool{}
	var files []string
	for _, f := range append(append([]string{}, early.Files...), late.Files...) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return &Change{Files: files, First: early.First, Last: late.Last}
}
