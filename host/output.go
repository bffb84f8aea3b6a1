package host

import (
	"sync"

	"github.com/zoo-dev/zoo-dev/internal/notify"
)

// Output is the growing output of one deploy run. Pages read it while it grows:
// Lines returns what is there and a channel closed when more arrives or the run ends.
type Output struct {
	mu      sync.Mutex
	lines   []string
	done    bool
	status  int    // exit status once done
	logFile string // DEPLOY_LOG, when the output goes there instead of the browser
	more    notify.Signal
}

// maxOutputLines bounds what a page can show; the log files keep everything.
const maxOutputLines = 5000

func newOutput(logFile string) *Output {
	return &Output{logFile: logFile}
}

func (o *Output) add(line string) {
	o.mu.Lock()
	if len(o.lines) < maxOutputLines {
		o.lines = append(o.lines, line)
	}
	o.more.Notify()
	o.mu.Unlock()
}

func (o *Output) finish(status int) {
	o.mu.Lock()
	o.done, o.status = true, status
	o.more.Notify()
	o.mu.Unlock()
}

// Lines returns the lines from index from on, whether the run has ended, and a
// channel that is closed when anything changes.
func (o *Output) Lines(from int) (lines []string, done bool, changed <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if from < len(o.lines) {
		lines = append([]string(nil), o.lines[from:]...)
	}
	return lines, o.done, o.more.C()
}

// Status is the deploy's exit status; meaningful once Lines reports done.
func (o *Output) Status() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.status
}

// LogFile is DEPLOY_LOG when set: the output is written there and not shown to browsers.
func (o *Output) LogFile() string { return o.logFile }
