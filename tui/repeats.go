package tui

import (
	"slices"
	"strings"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// repeats hides a Python traceback that repeats the one just shown: when an app
// fails to import, each worker prints the same traceback and the host reports it
// once more. The first copy is shown; later copies are skipped line by line for
// as long as they match it.
type repeats struct {
	last  []string // the last complete traceback
	cur   []string // the traceback being received
	from  int      // the worker the current one comes from (0: the host)
	match bool     // cur so far is a prefix of last
}

// skip reports whether e repeats a line of the traceback shown just before.
func (r *repeats) skip(e *event.Event) bool {
	if e.Kind != event.KindLog || e.Source != event.SourceStderr {
		return false
	}
	if strings.IndexByte(e.Text, '\n') >= 0 && strings.Contains(e.Text, tracebackHead) {
		// a whole traceback in one event: a repeat when it says all the last one said
		r.end()
		lines := strings.Split(e.Text, "\n")
		skip := slices.Equal(lines, r.last)
		r.last = lines
		return skip
	}
	if strings.HasPrefix(e.Text, tracebackHead) {
		r.end()
		r.cur, r.from = []string{e.Text}, e.Worker
		r.match = len(r.last) > 0 && r.last[0] == e.Text
		return r.match
	}
	if r.cur == nil || e.Worker != r.from {
		return false
	}
	r.cur = append(r.cur, e.Text)
	n := len(r.cur)
	r.match = r.match && n <= len(r.last) && r.last[n-1] == e.Text
	skip := r.match
	if !strings.HasPrefix(e.Text, " ") { // the exception line ends a traceback
		r.end()
	}
	return skip
}

// end files the traceback being received as the last one.
func (r *repeats) end() {
	if r.cur != nil {
		r.last, r.cur = r.cur, nil
	}
}
