package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// zooBin is the zoo-dev binary the end-to-end tests run, built once by TestMain.
var zooBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zoo-dev-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	zooBin = filepath.Join(dir, "zoo-dev")
	build := []string{"build", "-o", zooBin}
	if os.Getenv("GOCOVERDIR") != "" { // make cover: every run of zoo-dev writes its coverage there
		build = append(build, "-cover")
	}
	out, err := exec.Command("go", append(build, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build zoo-dev: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// zooRun is one headless zoo-dev process started by a test.
type zooRun struct {
	t     *testing.T
	cmd   *exec.Cmd
	token string // in the environment of zoo-dev and every process it starts
	URL   string // http://127.0.0.1:PORT

	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed and replaced on every new line
	done  chan struct{}
}

var listenRE = regexp.MustCompile(`listening on (http://[^/\s]+)/`)

// startZoo runs the built binary headless on a free port with args and waits for
// its listening line.
func startZoo(t *testing.T, args ...string) *zooRun {
	t.Helper()
	z := &zooRun{t: t, token: fmt.Sprintf("zoo-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()),
		more: make(chan struct{}), done: make(chan struct{})}
	z.cmd = exec.Command(zooBin, append([]string{"--no-tui", "--listen", "127.0.0.1:0"}, args...)...)
	z.cmd.Env = append(os.Environ(), "ZOO_E2E_TOKEN="+z.token)
	var errBuf bytes.Buffer
	z.cmd.Stderr = &errBuf
	out, err := z.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := z.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go z.read(out)
	t.Cleanup(func() {
		z.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-z.done:
		case <-time.After(10 * time.Second):
			z.cmd.Process.Kill()
		}
		z.cmd.Wait()
		for _, pid := range z.descendants() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("zoo-dev output:\n%s\nstderr:\n%s", strings.Join(z.snapshot(), "\n"), errBuf.String())
		}
	})
	m := z.waitLine(listenRE, 15*time.Second)
	z.URL = listenRE.FindStringSubmatch(m)[1]
	return z
}

func (z *zooRun) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		z.mu.Lock()
		z.lines = append(z.lines, sc.Text())
		close(z.more)
		z.more = make(chan struct{})
		z.mu.Unlock()
	}
	close(z.done)
}

func (z *zooRun) snapshot() []string {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([]string(nil), z.lines...)
}

// waitLine waits for an output line matching re and returns it.
func (z *zooRun) waitLine(re *regexp.Regexp, timeout time.Duration) string {
	z.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for seen := 0; ; {
		z.mu.Lock()
		lines, more := z.lines[seen:], z.more
		z.mu.Unlock()
		for _, l := range lines {
			if re.MatchString(l) {
				return l
			}
		}
		seen += len(lines)
		select {
		case <-more:
		case <-z.done:
			z.mu.Lock()
			n := len(z.lines)
			z.mu.Unlock()
			if n == seen {
				z.t.Fatalf("zoo-dev exited before a line matching %q", re)
			}
		case <-deadline.C:
			z.t.Fatalf("no line matching %q within %s", re, timeout)
		}
	}
}

// get fetches path and returns the status and body.
func (z *zooRun) get(path string) (int, string) {
	z.t.Helper()
	resp, err := http.Get(z.URL + path)
	if err != nil {
		z.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		z.t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// descendants lists the live processes that carry the run's token in their
// environment: every process zoo-dev started, and zoo-dev itself.
func (z *zooRun) descendants() []int {
	return processesWith("ZOO_E2E_TOKEN=" + z.token)
}

func processesWith(envEntry string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte(envEntry+"\x00")) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil &&
			strings.Contains(string(stat), ") Z ") {
			continue // a zombie waiting for its parent is not running
		}
		pids = append(pids, pid)
	}
	return pids
}

// waitGone waits until no process carries the run's token, or fails after timeout.
// /proc has no change notification, so this is a bounded check every 20 ms.
func (z *zooRun) waitGone(timeout time.Duration) {
	z.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		left := z.descendants()
		if len(left) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			z.t.Fatalf("processes still running %s after zoo-dev stopped: %v", timeout, left)
		case <-tick.C:
		}
	}
}

// copyDir copies a project folder into a fresh temporary one.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			if fi.Name() == "log" || fi.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, fi.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// loadRun is a number of clients that request GET / from zoo-dev until end is
// called, each back to back or once every pace: how many answers passed check,
// how many failed and the first failure, and when the first answer whose body
// was want arrived.
type loadRun struct {
	ok, failed atomic.Int64
	firstErr   atomic.Value
	sawWant    atomic.Int64 // unix nanoseconds of the first answer with want; 0 before
	stop       chan struct{}
	wg         sync.WaitGroup
}

// loadMaxRequests bounds each load client, besides the test's own end.
const loadMaxRequests = 100000

// statusOK is a load check that takes any 200.
func statusOK(status int, body string) error {
	if status != 200 {
		return fmt.Errorf("status %d body %q", status, body)
	}
	return nil
}

func startLoad(z *zooRun, clients int, pace time.Duration, want string, check func(status int, body string) error) *loadRun {
	l := &loadRun{stop: make(chan struct{})}
	client := &http.Client{Timeout: 30 * time.Second}
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var tick <-chan time.Time
			if pace > 0 {
				t := time.NewTicker(pace)
				defer t.Stop()
				tick = t.C
			}
			for range loadMaxRequests {
				if tick != nil {
					select {
					case <-l.stop:
						return
					case <-tick:
					}
				} else {
					select {
					case <-l.stop:
						return
					default:
					}
				}
				resp, err := client.Get(z.URL + "/")
				var body string
				if err == nil {
					b, rerr := io.ReadAll(resp.Body)
					resp.Body.Close()
					body = string(b)
					if err = check(resp.StatusCode, body); err == nil && rerr != nil {
						err = rerr
					}
				}
				if err != nil {
					l.failed.Add(1)
					l.firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				l.ok.Add(1)
				if want != "" && body == want {
					l.sawWant.CompareAndSwap(0, time.Now().UnixNano())
				}
			}
		}()
	}
	return l
}

// end stops the clients and fails the test when any request failed or none was
// served; during says what happened meanwhile, for the message.
func (l *loadRun) end(t *testing.T, during string) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	if l.failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed %s; first: %v",
			l.failed.Load(), l.ok.Load()+l.failed.Load(), during, l.firstErr.Load())
	}
	if l.ok.Load() == 0 {
		t.Fatal("no request was served")
	}
}
