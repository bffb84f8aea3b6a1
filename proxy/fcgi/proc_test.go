package fcgi

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/host/worker"
)

// appsDir holds the worker's test app (host/worker/testdata/apps/testapp.py).
var appsDir, _ = filepath.Abs(filepath.Join("..", "..", "host", "worker", "testdata", "apps"))

// child is a real process started by a test in its own process group,
// killed by its pid at cleanup.
type child struct {
	cmd  *exec.Cmd
	sock string
	out  *logLines
	done chan struct{}
}

// startChild starts cmd with its stderr (and stdout) collected.
func startChild(t testing.TB, cmd *exec.Cmd) *child {
	t.Helper()
	c := &child{cmd: cmd, out: &logLines{changed: make(chan struct{})}, done: make(chan struct{})}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() {
		c.out.collect(pr)
		cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(c.kill)
	return c
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// kill ends the child's process group and waits for it.
func (c *child) kill() {
	syscall.Kill(-c.pid(), syscall.SIGKILL)
	<-c.done
}

// startWorker runs host/worker's worker.py on a unix socket serving app
// (MODULE:ATTR in the test apps) with threads threads, and waits for ready.
func startWorker(t testing.TB, app string, threads int) *child {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	dir := shortTempDir(t)
	script, err := worker.Install(dir)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "w.sock")
	status, statusW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer status.Close()
	cmd := exec.Command(py, "-u", script, "--app", app, "--root", appsDir, "--bind", "unix:"+sock,
		"--threads", strconv.Itoa(threads), "--status-fd", "3")
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	cmd.ExtraFiles = []*os.File{statusW}
	c := startChild(t, cmd)
	statusW.Close()
	c.sock = sock
	status.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(status).ReadBytes('\n')
	var st struct{ Event string }
	if err != nil || json.Unmarshal(line, &st) != nil || st.Event != "ready" {
		t.Fatalf("worker status %q (%v); output:\n%s", line, err, c.out.text())
	}
	return c
}

// shortTempDir is a fresh folder with a short path: unix socket paths are
// limited to about 100 bytes and t.TempDir's can be longer.
func shortTempDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "zf")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// logLines collects a child's output and lets a test wait for a line.
type logLines struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed chan struct{}
}

func (l *logLines) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l.mu.Lock()
		l.buf.WriteString(sc.Text() + "\n")
		close(l.changed)
		l.changed = make(chan struct{})
		l.mu.Unlock()
	}
}

func (l *logLines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until the output contains s.
func (l *logLines) waitFor(t testing.TB, s string, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		l.mu.Lock()
		has, ch := strings.Contains(l.buf.String(), s), l.changed
		l.mu.Unlock()
		if has {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("output never said %q; it said:\n%s", s, l.text())
		}
	}
}

// peakRSS is a process's peak resident memory in KiB (VmHWM).
func peakRSS(t testing.TB, pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// readLine reads one line, byte by byte so that nothing after it is consumed.
func readLine(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := io.ReadFull(r, one); err != nil {
			return string(b), err
		}
		b = append(b, one[0])
		if one[0] == '\n' {
			return string(b), nil
		}
	}
}
