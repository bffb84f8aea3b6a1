package host

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// maxLine is the longest line of a process's output passed on whole; the rest of a
// longer line is dropped with a note of how much, and reading goes on.
const maxLine = 64 << 10

// readLines calls line for each line of r, without its newline and cleaned, until
// EOF or a read error.
func readLines(r io.Reader, line func(string)) {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			head := cleanLine(chunk)
			dropped := 0
			for err == bufio.ErrBufferFull {
				chunk, err = br.ReadSlice('\n')
				dropped += len(strings.TrimRight(string(chunk), "\r\n"))
			}
			line(fmt.Sprintf("%s … [line cut at %d KiB, %d more bytes dropped]", head, maxLine>>10, dropped))
		} else if len(chunk) > 0 {
			line(cleanLine(chunk))
		}
		if err != nil {
			return
		}
	}
}

// cleanLine makes one line of a process's output safe for every reader: terminal
// control sequences (colours, cursor moves, window titles) and other control
// characters but tabs are removed, and invalid UTF-8 becomes U+FFFD.
func cleanLine(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	ascii := true // printable ASCII needs no work
	for i := 0; ascii && i < len(s); i++ {
		ascii = s[i] >= 0x20 && s[i] < 0x7f || s[i] == '\t'
	}
	if ascii {
		return s
	}
	s = ansi.Strip(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 {
			return -1
		}
		return r
	}, s)
}

// Bounds of one grouped traceback: past either, what is gathered is passed on and
// the rest of the traceback follows line by line.
const (
	maxBlockLines = 200
	maxBlockBytes = 64 << 10
)

// blockPause is how long a traceback being gathered waits for its next line before
// it is passed on as it is: the exception line may be followed by a chained one.
const blockPause = 100 * time.Millisecond

const (
	tracebackHead = "Traceback (most recent call last):"
	importHeader  = "could not import the app:" // worker.py's line before an import traceback
)

// blockState is where a blocks is in the output it reads.
type blockState uint8

const (
	outside blockState = iota // passing lines on one by one
	header                    // after worker.py's header, before its traceback
	frames                    // in a traceback's frames
	after                     // after an exception line: a chained traceback may follow
	chain                     // after "During handling…": the next traceback belongs to the block
)

// blocks groups a Python traceback in a process's output into one text: from its
// "Traceback (most recent call last):" line (or worker.py's "could not import the
// app:" line before it) to its exception line, chained tracebacks included, the
// lines joined by "\n". Other lines are passed on one by one. A block is passed on
// when its exception line is followed by anything but a chain, when it grows past
// maxBlockLines or maxBlockBytes, when no line came for blockPause, and at end.
type blocks struct {
	emit func(string)

	mu    sync.Mutex
	state blockState
	lines []string
	held  []string // blank lines after an exception line, not yet known to be part of a chain
	size  int
	timer *time.Timer
	seq   uint64 // bumped on each line, so a timer armed for an older one does nothing
}

func newBlocks(emit func(string)) *blocks { return &blocks{emit: emit} }

// line takes the next line of output.
func (b *blocks) line(l string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	b.take(l)
	if b.state != outside {
		seq := b.seq
		if b.timer != nil {
			b.timer.Stop()
		}
		b.timer = time.AfterFunc(blockPause, func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.seq == seq {
				b.flushLocked()
			}
		})
	}
}

// end passes on what is gathered; the stream has ended.
func (b *blocks) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	if b.timer != nil {
		b.timer.Stop()
	}
	b.flushLocked()
}

func (b *blocks) take(l string) {
	isHead := strings.HasPrefix(l, tracebackHead)
	switch b.state {
	case outside:
		switch {
		case isHead:
			b.state = frames
		case strings.HasSuffix(l, importHeader):
			b.state = header
		default:
			b.emit(l)
			return
		}
	case header:
		if isHead {
			b.state = frames
		}
	case frames:
		if !isHead && !strings.HasPrefix(l, "  ") {
			b.state = after // the exception line
		}
	case after:
		switch {
		case l == "":
			b.held = append(b.held, l)
			return
		case strings.HasPrefix(l, "During handling of the above exception") ||
			strings.HasPrefix(l, "The above exception was the direct cause"):
			b.state = chain
		default: // the block has ended: l starts afresh
			held := b.held
			b.held = nil
			b.flushLocked()
			for _, h := range held {
				b.emit(h)
			}
			b.take(l)
			return
		}
	case chain:
		if isHead {
			b.state = frames
		}
	}
	b.lines = append(b.lines, b.held...)
	b.held = nil
	b.lines = append(b.lines, l)
	b.size += len(l) + 1
	if len(b.lines) >= maxBlockLines || b.size >= maxBlockBytes {
		b.flushLocked()
	}
}

// flushLocked passes on the gathered block and the blank lines held after it.
func (b *blocks) flushLocked() {
	if len(b.lines) > 0 {
		b.emit(strings.Join(b.lines, "\n"))
	}
	for _, h := range b.held {
		b.emit(h)
	}
	b.lines, b.held, b.size, b.state = nil, nil, 0, outside
}

// stderrBlocks publishes a worker's stderr with each traceback as one event.
func stderrBlocks(emit emitFunc, pid *pidBox) *blocks {
	return newBlocks(func(s string) { emit(event.SourceStderr, event.LevelInfo, pid.get(), s) })
}
