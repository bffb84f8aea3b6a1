// Package testtool is for tests that need a tool CI installs from Debian's packages
// (nginx, uWSGI, tmux, Chromium, Flask and Django under /usr/bin/python3).
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Missing skips the test with one line when the tool is not installed here, and
// fails it in CI, where .ci/run sets ZOO_REQUIRE_TOOLS=1 after installing every tool.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("ZOO_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s (ZOO_REQUIRE_TOOLS=1: .ci/run installs it)", msg)
	}
	t.Skip(msg)
}

// Python3 is the python3 on PATH, the interpreter zoo-dev runs by default; the
// test is skipped (locally) or failed (in CI) when there is none.
func Python3(t testing.TB) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		Missing(t, "python3 not in PATH")
	}
	return py
}
