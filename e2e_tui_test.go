package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// tmuxTerm is one private tmux server whose only pane runs zoo-dev with its dashboard.
type tmuxTerm struct {
	t     *testing.T
	bin   string
	sock  string // the -L name: a server of our own, never the user's
	token string // in the environment of the pane's command and everything it starts
}

// startDashboard runs `zoo-dev --listen 127.0.0.1:0 dir` in a detached tmux pane of
// 120×40. The pane's shell prints zoo-dev's exit status and the pane stays on screen
// after it ends (remain-on-exit), so a test can read both.
func startDashboard(t *testing.T, dir string) *tmuxTerm {
	t.Helper()
	return startDashboardSized(t, dir, 120, 40)
}

// startDashboardSized is startDashboard in a w×h pane of a 256-colour terminal.
func startDashboardSized(t *testing.T, dir string, w, h int) *tmuxTerm {
	t.Helper()
	return startInTmux(t, w, h, nil, "--listen", "127.0.0.1:0", dir)
}

// startInTmux runs zoo-dev with args, and env added to its environment, in a w×h
// pane of a private tmux server.
func startInTmux(t *testing.T, w, h int, env []string, args ...string) *tmuxTerm {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		testtool.Missing(t, "tmux not installed: skipping the dashboard in a real terminal")
	}
	stamp := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	m := &tmuxTerm{t: t, bin: bin, sock: "zoo-e2e-" + stamp, token: "zoo-e2e-tui-" + stamp}
	conf := filepath.Join(t.TempDir(), "tmux.conf")
	// No status line: the pane gets the whole window.
	if err := os.WriteFile(conf, []byte("set -g remain-on-exit on\nset -g status off\nset -g default-terminal screen-256color\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `"$0" "$@"; echo "zoo-dev exited $?"`
	tmuxArgs := []string{"-f", conf, "new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "-e", "ZOO_E2E_TOKEN=" + m.token}
	for _, e := range env {
		tmuxArgs = append(tmuxArgs, "-e", e)
	}
	tmuxArgs = append(tmuxArgs, "sh", "-c", script, zooBin)
	m.mustTmux(append(tmuxArgs, args...)...)
	sockPath := strings.TrimSpace(m.mustTmux("display-message", "-p", "#{socket_path}"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screen at the end:\n%s", m.screen())
		}
		m.tmux("kill-server") // ends the pane's process too, if a check failed before q
		os.Remove(sockPath)   // tmux leaves its socket file behind
	})
	if size, want := strings.TrimSpace(m.mustTmux("display-message", "-p", "#{pane_width}x#{pane_height}")), fmt.Sprintf("%dx%d", w, h); size != want {
		t.Fatalf("pane is %s, want %s", size, want)
	}
	return m
}

// tmux runs one tmux command against the private server.
func (m *tmuxTerm) tmux(args ...string) (string, error) {
	cmd := exec.Command(m.bin, append([]string{"-L", m.sock}, args...)...)
	cmd.Env = append(os.Environ(), "TMUX=") // works from inside another tmux too
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func (m *tmuxTerm) mustTmux(args ...string) string {
	m.t.Helper()
	out, err := m.tmux(args...)
	if err != nil {
		m.t.Fatal(err)
	}
	return out
}

// screen is the pane's text as the user sees it now.
func (m *tmuxTerm) screen() string {
	out, err := m.tmux("capture-pane", "-p")
	if err != nil {
		return err.Error()
	}
	return out
}

// waitScreen waits until the screen matches re and returns the submatches.
// tmux has no change notification, so this reads the pane every 50 ms until the deadline.
func (m *tmuxTerm) waitScreen(re *regexp.Regexp, timeout time.Duration) []string {
	m.t.Helper()
	var s string
	m.until(timeout, func() bool {
		s = m.screen()
		return re.MatchString(s)
	}, fmt.Sprintf("screen matching %q", re))
	return re.FindStringSubmatch(s)
}

// waitDead waits until the pane's process has exited.
func (m *tmuxTerm) waitDead(timeout time.Duration) {
	m.t.Helper()
	m.until(timeout, func() bool {
		out, err := m.tmux("list-panes", "-F", "#{pane_dead}")
		return err == nil && strings.TrimSpace(out) == "1"
	}, "the pane's process to exit")
}

// until checks cond every 50 ms and fails the test when timeout passes first.
func (m *tmuxTerm) until(timeout time.Duration, cond func() bool, what string) {
	m.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			m.t.Fatalf("no %s within %s", what, timeout)
		case <-tick.C:
		}
	}
}

var (
	dashRunningRE = regexp.MustCompile(`RUNNING\s+(http://127\.0\.0\.1:\d+/)`)
	dashRestartRE = regexp.MustCompile(`reload: after restart, serving new code after \d+ ms \(generation 2\)`)
)

// TestDashboardInTmux drives the dashboard as a user does in a real 120×40
// terminal: the header shows the URL and RUNNING, the URL serves, `r` starts a new
// generation, and `q` stops zoo-dev with every process it started and leaves a
// summary in the terminal.
func TestDashboardInTmux(t *testing.T) {
	m := startDashboard(t, copyDir(t, "sample"))

	url := m.waitScreen(dashRunningRE, 30*time.Second)[1]
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", url, resp.StatusCode)
	}
	m.waitScreen(regexp.MustCompile(`GET / 200`), 5*time.Second)

	m.mustTmux("send-keys", "r")
	m.waitScreen(dashRestartRE, 5*time.Second)

	m.mustTmux("send-keys", "q")
	m.waitDead(15 * time.Second)
	// zoo-dev's last frame leaves the cursor at the bottom, so the shell's line
	// may have scrolled into the history: read that too.
	if all := m.mustTmux("capture-pane", "-p", "-S", "-"); !strings.Contains(all, "zoo-dev exited 0\n") {
		t.Fatalf("zoo-dev did not exit with status 0 after q:\n%s", all)
	} else if !regexp.MustCompile(`zoo-dev: WSGI\.project RUNNING, 1 request, 0 errors, 1 reload\(s\), the last in \d+ ms\n`).MatchString(all) {
		t.Fatalf("no summary left in the terminal after q:\n%s", all)
	}
	if left := processesWith("ZOO_E2E_TOKEN=" + m.token); len(left) > 0 {
		t.Fatalf("processes left after q: %v", left)
	}
}
