package main

import (
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// The run folder (worker sockets, preload lists) goes away on every exit: an
// orderly stop removes it, and after a kill -9 the next start removes it.
func TestRunFolderRemovedEvenAfterKill9(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // zoo-dev's run folders go here, where no other run's are
	runDirs := func() []string {
		d, _ := filepath.Glob(filepath.Join(tmp, "zoo-dev-run-*"))
		return d
	}
	app := copyDir(t, "sample/apps/crashy")

	first := startZoo(t, app)
	first.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	left := runDirs()
	if len(left) != 1 {
		t.Fatalf("run folders while zoo-dev runs: %v, want one", left)
	}
	first.cmd.Process.Kill()
	<-first.done
	first.cmd.Wait() // reaped, as a shell reaps it: a zombie still holds its pid
	first.waitGone(5 * time.Second)
	if _, err := os.Stat(left[0]); err != nil {
		t.Fatalf("the killed zoo-dev's run folder is already gone (%v): the test proves nothing", err)
	}

	second := startZoo(t, app)
	second.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)
	if _, err := os.Stat(left[0]); !os.IsNotExist(err) {
		t.Errorf("the killed zoo-dev's run folder %s is still there after a new start", left[0])
	}
	if now := runDirs(); len(now) != 1 {
		t.Errorf("run folders after the second start: %v, want only its own", now)
	}
	second.cmd.Process.Signal(syscall.SIGTERM)
	<-second.done
	second.cmd.Wait()
	if now := runDirs(); len(now) != 0 {
		t.Errorf("run folders after an orderly stop: %v, want none", now)
	}
}
