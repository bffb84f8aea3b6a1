package tui

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
	filter string // lower case; "" lets everything through
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
	if l.app >= 0 && l.app != p.app {
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
	return containsFold(l.plain, p.filter)
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
// back leaves follow mode.
func (p *logPane) scroll(delta int) {
	if delta > 0 {
		p.follow = false
	}
	p.offset += delta
	p.clamp()
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
