package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is one child the bench started in a process group of its own; the group is
// stopped (SIGTERM, then SIGKILL after 10 s) when the test ends.
type proc struct {
	name     string
	cmd      *exec.Cmd
	done     chan struct{}
	out      *lineLog
	stopOnce sync.Once
}

// startProc runs name with args in dir, stdout and stderr into one line log.
func startProc(t *testing.T, dir string, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Files, not writers: Wait never waits on a grandchild that keeps the pipe open.
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	w.Close()
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), out: newLineLog()}
	go p.out.read(r)
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the process group: SIGTERM, then SIGKILL when it is still there after 10 s.
// Only the first call signals: a test may stop a child early, and cleanup calls stop again.
func (p *proc) stop(t *testing.T) { p.stopOnce.Do(func() { p.stopGroup(t) }) }

func (p *proc) stopGroup(t *testing.T) {
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	if t.Failed() {
		t.Logf("%s output (last lines):\n%s", p.name, strings.Join(p.out.tail(), "\n"))
	}
}

// pid is the process id of the child itself.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// lineLog keeps the last lines of a child's output and hands matching lines to waiters.
// It keeps no more than a few hundred lines: zoo-dev prints one line per request.
type lineLog struct {
	mu      sync.Mutex
	ring    []string
	count   int
	waiters []waiter
	closed  chan struct{}
}

type waiter struct {
	re *regexp.Regexp
	ch chan string
}

const ringSize = 300

func newLineLog() *lineLog { return &lineLog{closed: make(chan struct{})} }

func (l *lineLog) read(r *os.File) {
	defer r.Close()
	defer close(l.closed)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l.add(sc.Text())
	}
}

func (l *lineLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count++
	if len(l.ring) == ringSize {
		copy(l.ring, l.ring[1:])
		l.ring = l.ring[:ringSize-1]
	}
	l.ring = append(l.ring, s)
	kept := l.waiters[:0]
	for _, w := range l.waiters {
		if w.re.MatchString(s) {
			w.ch <- s
		} else {
			kept = append(kept, w)
		}
	}
	l.waiters = kept
}

func (l *lineLog) tail() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ring...)
}

// lines is how many lines the child has printed so far.
func (l *lineLog) lines() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

// waitFor returns the first line (already seen or still to come) matching re.
func (l *lineLog) waitFor(re *regexp.Regexp, timeout time.Duration) (string, error) {
	ch := make(chan string, 1)
	l.mu.Lock()
	for _, s := range l.ring {
		if re.MatchString(s) {
			l.mu.Unlock()
			return s, nil
		}
	}
	l.waiters = append(l.waiters, waiter{re, ch})
	l.mu.Unlock()
	select {
	case s := <-ch:
		return s, nil
	case <-l.closed:
		return "", fmt.Errorf("output ended before a line matching %q", re)
	case <-time.After(timeout):
		return "", fmt.Errorf("no line matching %q within %s", re, timeout)
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitHTTP waits until url answers 200 whose body contains want. Third-party
// servers announce readiness in no common way, so this asks every 20 ms until timeout.
func waitHTTP(t *testing.T, url, want string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c := &http.Client{Timeout: 2 * time.Second}
	var last string
	for {
		body, status, err := get(ctx, c, url)
		if err == nil && status == 200 && strings.Contains(body, want) {
			return
		}
		last = fmt.Sprintf("status %d, err %v, body %.80q", status, err, body)
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not answer %q within %s: %s", url, want, timeout, last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) int { return procKiB(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:") }

// procKiB reads the number after key (a size in KiB) from a /proc file; 0 when
// the process is gone or the key is missing.
func procKiB(path, key string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == key {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
