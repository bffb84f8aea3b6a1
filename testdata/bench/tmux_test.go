package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// dashboard is zoo-dev with its dashboard in a private tmux server's 120×40 pane.
type dashboard struct {
	t    *testing.T
	sock string // tmux -L name: our own server, never the user's
	URL  string
	pid  int // zoo-dev itself (the pane execs it)
}

// startDashboard runs zoo-dev on dir in a detached 120×40 tmux pane and waits until the app answers.
func startDashboard(t *testing.T, dir string) *dashboard {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		testtool.Missing(t, "tmux not installed (make bench-deps)")
	}
	d := &dashboard{t: t, sock: fmt.Sprintf("zoo-bench-%d-%d", os.Getpid(), time.Now().UnixNano())}
	port := freePort(t)
	d.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
	conf := filepath.Join(t.TempDir(), "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g status off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.must("-f", conf, "new-session", "-d", "-x", "120", "-y", "40", "sh", "-c",
		"exec \"$0\" --listen 127.0.0.1:"+strconv.Itoa(port)+" \"$1\"", zooBin, dir)
	sockPath := strings.TrimSpace(d.must("display-message", "-p", "#{socket_path}"))
	d.pid, _ = strconv.Atoi(strings.TrimSpace(d.must("display-message", "-p", "#{pane_pid}")))
	t.Cleanup(func() {
		if d.pid > 0 { // zoo-dev stops its workers on SIGTERM; then the server goes
			syscall.Kill(d.pid, syscall.SIGTERM)
			deadline := time.Now().Add(10 * time.Second)
			for syscall.Kill(d.pid, 0) == nil && time.Now().Before(deadline) {
				<-time.After(20 * time.Millisecond)
			}
		}
		d.tmux("kill-server")
		os.Remove(sockPath)
	})
	waitHTTP(t, d.URL+"/", "", 60*time.Second)
	return d
}

func (d *dashboard) tmux(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-L", d.sock}, args...)...)
	cmd.Env = append(os.Environ(), "TMUX=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func (d *dashboard) must(args ...string) string {
	d.t.Helper()
	out, err := d.tmux(args...)
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// keypress sends key and returns how long until the screen's text containing
// mark becomes shown (want true) or hidden, reading the pane as fast as tmux
// answers, for at most 2 s. ok is false when the deadline passed first.
func (d *dashboard) keypress(key, mark string, want bool) (time.Duration, bool) {
	start := time.Now()
	d.must("send-keys", key)
	for n := 0; n < 2000 && time.Since(start) < 2*time.Second; n++ {
		screen, err := d.tmux("capture-pane", "-p")
		if err == nil && strings.Contains(screen, mark) == want {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}
