package main

import (
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A worker killed in the middle of a request gives a 502 whose log line names
// the worker's pid and the reason, and the access line carries that pid, not 0.
func TestFrontBadGatewayIsExplained(t *testing.T) {
	z, _ := startFront(t, "")
	code, took := z.timedGet(t, "/die", 30*time.Second)
	if code != 502 {
		t.Fatalf("GET /die = %d, want 502", code)
	}
	access := z.waitLine(regexp.MustCompile(`GET /die 502 .* pid=\d+`), 10*time.Second)
	pid := access[strings.LastIndex(access, "pid=")+4:]
	if n, err := strconv.Atoi(pid); err != nil || n == 0 {
		t.Errorf("access line without the worker's pid: %q", access)
	}
	reason := z.waitLine(regexp.MustCompile(`error: GET /die: 502 from worker `+pid+`: `), 10*time.Second)
	t.Logf("502 answered in %s; %q; %q", took.Round(time.Millisecond), access, reason)
	if !strings.Contains(reason, "closed the connection") {
		t.Errorf("the 502 line does not say why: %q", reason)
	}
}

// SIGHUP (the terminal closed) is an orderly stop like SIGTERM: exit status 0,
// and no process the app started survives.
func TestFrontSIGHUPStopsInOrder(t *testing.T) {
	z, _ := startFront(t, "")
	if code, _ := z.get("/spawn"); code != 200 {
		t.Fatalf("GET /spawn = %d", code)
	}
	start := time.Now()
	z.cmd.Process.Signal(syscall.SIGHUP)
	select {
	case <-z.done:
	case <-time.After(20 * time.Second):
		t.Fatal("zoo-dev still running 20 s after SIGHUP")
	}
	if err := z.cmd.Wait(); err != nil {
		t.Fatalf("zoo-dev ended with %v after SIGHUP, want exit status 0", err)
	}
	t.Logf("stopped in %s after SIGHUP", time.Since(start).Round(time.Millisecond))
	z.waitGone(5 * time.Second)
}
