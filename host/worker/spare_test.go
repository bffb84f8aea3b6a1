package worker

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// spareApp writes a marker file when it is imported, so a test can tell whether a
// held worker imported the app.
const spareApp = `import os
open(os.environ["SPARE_MARK"], "w").close()
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"spare"]
`

type spareRun struct {
	cmd      *exec.Cmd
	lifeline *os.File
	status   *bufio.Reader
	mark     string
	done     chan struct{}
}

// startSpare starts worker.py with --preload-file (json, email.mime.text) and --hold.
func startSpare(t *testing.T) *spareRun {
	t.Helper()
	py := needPython(t)
	dir := shortDir(t)
	script, err := Install(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "spareapp.py"), []byte(spareApp), 0o644)
	preload := filepath.Join(dir, "preload.txt")
	os.WriteFile(preload, []byte("json\nemail.mime.text\nno_such_module_here\n"), 0o644)
	s := &spareRun{mark: filepath.Join(dir, "imported"), done: make(chan struct{})}
	lifeR, lifeW, _ := os.Pipe()
	statusR, statusW, _ := os.Pipe()
	s.cmd = exec.Command(py, "-u", script, "--app", "spareapp:application", "--root", dir,
		"--bind", "unix:"+filepath.Join(dir, "s.sock"), "--status-fd", "3", "--lifeline",
		"--preload-file", preload, "--hold")
	s.cmd.Env = append(os.Environ(), "SPARE_MARK="+s.mark)
	s.cmd.Stdin, s.cmd.ExtraFiles = lifeR, []*os.File{statusW}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lifeR.Close()
	statusW.Close()
	s.lifeline, s.status = lifeW, bufio.NewReader(statusR)
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		lifeW.Close()
		statusR.Close()
		s.cmd.Process.Kill()
		<-s.done
	})
	return s
}

// A held spare never imports the app; EOF on its lifeline ends it quietly.
func TestSpareHoldsUntilGo(t *testing.T) {
	s := startSpare(t)
	s.lifeline.Close()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the held worker did not exit on EOF")
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if _, err := os.Stat(s.mark); err == nil {
		t.Error("the held worker imported the app before it was told go")
	}
	if line, _ := s.status.ReadString('\n'); line != "" {
		t.Errorf("the held worker wrote a status line: %s", line)
	}
}

// Told go, a spare imports the app and reports ready with the libraries it loaded,
// the preloaded ones among them and the app's own module not.
func TestSpareGoesAndReportsLibraries(t *testing.T) {
	s := startSpare(t)
	if _, err := s.lifeline.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	line, err := s.status.ReadBytes('\n')
	if err != nil {
		t.Fatalf("no status line: %v", err)
	}
	var st struct {
		Event   string   `json:"event"`
		Modules []string `json:"modules"`
	}
	if err := json.Unmarshal(line, &st); err != nil || st.Event != "ready" {
		t.Fatalf("status %s (%v), want ready", line, err)
	}
	if _, err := os.Stat(s.mark); err != nil {
		t.Error("ready without importing the app")
	}
	for _, m := range []string{"json", "email.mime.text"} {
		if !slices.Contains(st.Modules, m) {
			t.Errorf("modules lack the preloaded %s", m)
		}
	}
	if slices.Contains(st.Modules, "spareapp") || slices.Contains(st.Modules, "__main__") {
		t.Errorf("modules list the app's own code: %v", st.Modules)
	}
}
