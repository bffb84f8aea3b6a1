package fcgi

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/host/worker"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// appsDir holds the worker's test app (host/worker/testdata/apps/testapp.py).
var appsDir, _ = filepath.Abs(filepath.Join("..", "..", "host", "worker", "testdata", "apps"))

// child is a real process started by a test in its own process group,
// killed by its pid at cleanup.
type child struct {
	cmd  *exec.Cmd
	sock string
	out  *testtool.Output
	done chan struct{}
}

// startChild starts cmd with its stderr (and stdout) collected.
func startChild(t testing.TB, cmd *exec.Cmd) *child {
	t.Helper()
	c := &child{cmd: cmd, out: testtool.NewOutput(), done: make(chan struct{})}
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
		c.out.Collect(pr)
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
	py := testtool.Python3(t)
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
		t.Fatalf("worker status %q (%v); output:\n%s", line, err, c.out.Text())
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
