package testtool

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/notify"
)

// Output collects a child process's output and lets a test wait for a line in it.
type Output struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed notify.Signal // on every line
}

// NewOutput returns an empty collector.
func NewOutput() *Output { return &Output{} }

// Collect reads r line by line until EOF.
func (o *Output) Collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		o.mu.Lock()
		o.buf.WriteString(sc.Text() + "\n")
		o.changed.Notify()
		o.mu.Unlock()
	}
}

// Text is everything collected so far.
func (o *Output) Text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// WaitFor waits until the output contains s, failing the test after d.
func (o *Output) WaitFor(t testing.TB, s string, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		o.mu.Lock()
		has, ch := strings.Contains(o.buf.String(), s), o.changed.C()
		o.mu.Unlock()
		if has {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("output never said %q; it said:\n%s", s, o.Text())
		}
	}
}

// PeakRSS is a process's peak resident memory in KiB (VmHWM from /proc).
func PeakRSS(t testing.TB, pid int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
