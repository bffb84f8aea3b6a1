package tui

import "strings"

// viewMode picks which lines the log pane shows.
type viewMode int

const (
	viewAll viewMode = iota
	viewRequests
	viewErrors
	viewCount
)

var viewNames = [...]string{"all", "requests", "errors"}

func (v viewMode) String() string { return viewNames[v] }

// logPane holds the last lines in a bounded ring and an index of the lines the
// current app, view, filter and clear mark let through, so scrolling and rendering
// touch only the visible window, never the whole ring.
type logPane struct {
	buf    []logLine
	total  uint64   // lines ever added; line n lives in buf[n%len(buf)] while n >= start()
	idx    []uint64 // numbers of the lines that pass, oldest first
	clear  []uint64 // per app: lines before this number are hidden (the `c` key)
	app    int
	view   viewMode
	filter string // as typed; "" lets everything through
	needle string // filter in lower case
	debug  bool   // show the workers' routine lines
	offset int    // passing lines hidden below the window; 0 while following
	follow bool
	height int // lines the window shows, for clamping and paging
}

func newLogPane(capacity, apps int) *logPane {
	if capacity < 1 {
		capacity = 1
	}
	return &logPane{buf: make([]logLine, capacity), clear: make([]uint64, apps), follow: true, height: 1}
}

func (p *logPane) start() uint64 {
	if p.total > uint64(len(p.buf)) {
		return p.total - uint64(len(p.buf))
	}
	return 0
}

func (p *logPane) line(n uint64) *logLine { return &p.buf[n%uint64(len(p.buf))] }

func (p *logPane) passes(l *logLine, n uint64) bool {
	if l.app >= 0 && l.app != p.app || l.debug && !p.debug {
		return false
	}
	if p.app < len(p.clear) && n < p.clear[p.app] {
		return false
	}
	switch p.view {
	case viewRequests:
		if !l.req {
			return false
		}
	case viewErrors:
		if !l.bad {
			return false
		}
	}
	if l.entry != "" {
		return containsFold(l.entry, p.needle)
	}
	return containsFold(l.plain, p.needle)
}

// add appends a line; when the user has scrolled back, the window stays put.
func (p *logPane) add(l logLine) {
	n := p.total
	*p.line(n) = l
	p.total++
	if p.passes(&l, n) {
		p.idx = append(p.idx, n)
		if !p.follow {
			p.offset++
		}
	}
	p.trim()
}

// trim forgets index entries whose lines the ring has overwritten.
func (p *logPane) trim() {
	start, k := p.start(), 0
	for k < len(p.idx) && p.idx[k] < start {
		k++
	}
	if k > 0 {
		p.idx = p.idx[k:]
	}
	p.clamp()
}

func (p *logPane) clamp() {
	max := len(p.idx) - p.height
	if max < 0 {
		max = 0
	}
	if p.offset > max {
		p.offset = max
	}
	if p.offset < 0 {
		p.offset = 0
	}
}

// rebuild recomputes the index after the app, view, filter or clear mark changed.
func (p *logPane) rebuild() {
	p.idx = p.idx[:0]
	for n := p.start(); n < p.total; n++ {
		if p.passes(p.line(n), n) {
			p.idx = append(p.idx, n)
		}
	}
	if p.follow {
		p.offset = 0
	}
	p.clamp()
}

// scroll moves the window by delta lines (positive is back in time); scrolling
// back leaves follow mode, reaching the newest line again resumes it.
func (p *logPane) scroll(delta int) {
	p.offset += delta
	p.clamp()
	if delta > 0 && p.offset > 0 {
		p.follow = false
	}
	if delta < 0 && p.offset == 0 {
		p.follow = true
	}
}

// setFilter shows only the lines that contain s, ignoring case.
func (p *logPane) setFilter(s string) {
	p.filter, p.needle = s, strings.ToLower(s)
	p.rebuild()
}

// newestRequest is the newest request line that passes, or nil.
func (p *logPane) newestRequest() *reqRec {
	for i := len(p.idx) - 1; i >= 0; i-- {
		if r := p.line(p.idx[i]).rec; r != nil {
			return r
		}
	}
	return nil
}

// nextRequest is the request line after (dir 1) or before (dir -1) r among the
// passing lines, or nil.
func (p *logPane) nextRequest(r *reqRec, dir int) *reqRec {
	at := -1
	for i := len(p.idx) - 1; i >= 0; i-- {
		if p.line(p.idx[i]).rec == r {
			at = i
			break
		}
	}
	if at < 0 {
		return nil
	}
	for i := at + dir; i >= 0 && i < len(p.idx); i += dir {
		if rec := p.line(p.idx[i]).rec; rec != nil {
			return rec
		}
	}
	return nil
}

// setFollow turns follow on (jump to the newest line) or off (stay here).
func (p *logPane) setFollow(on bool) {
	p.follow = on
	if on {
		p.offset = 0
	}
}

// clearApp hides every line so far for the current app.
func (p *logPane) clearApp() {
	if p.app < len(p.clear) {
		p.clear[p.app] = p.total
	}
	p.rebuild()
}

// window returns the numbers of the lines to draw, oldest first.
func (p *logPane) window() []uint64 {
	end := len(p.idx) - p.offset
	if end < 0 {
		end = 0
	}
	begin := end - p.height
	if begin < 0 {
		begin = 0
	}
	return p.idx[begin:end]
}
