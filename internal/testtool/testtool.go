// Package testtool is for tests that need a tool CI installs from Debian's packages
// (nginx, uWSGI, tmux, Chromium, Flask and Django under /usr/bin/python3).
package testtool

import (
	"fmt"
	"os"
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
