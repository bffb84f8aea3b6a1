package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// fakePython is a machine with only the given interpreters in PATH, each
// mapped to its version; the probe never runs a process.
func fakePython(versions map[string]string) *pythonFinder {
	return &pythonFinder{
		lookPath: func(name string) (string, error) {
			if _, ok := versions[name]; ok {
				return "/fake/bin/" + name, nil
			}
			return "", exec.ErrNotFound
		},
		probe: func(cmd, dir string) (string, string, error) {
			if v, ok := versions[cmd]; ok && v != "" {
				return cmd, v, nil
			}
			if v, ok := versions[filepath.Base(cmd)]; ok && v != "" && filepath.Dir(cmd) == "/fake/bin" {
				return cmd, v, nil
			}
			return "", "", errors.New("does not run")
		},
		cache: map[string]probeResult{},
	}
}

// onlyPython3 is the usual machine: python3 is 3.11, nothing else.
func onlyPython3() *pythonFinder { return fakePython(map[string]string{"python3": "3.11"}) }

// writeProject writes files (name -> content) into a new temp folder.
func writeProject(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, files)
	return dir
}

// heliconConfig is a one-app Helicon Zoo web.config. The env lines start at
// line 5 (column 9); the handler is on line 9 + the number of env lines.
func heliconConfig(env []string, processor string) string {
	var b strings.Builder
	b.WriteString("<configuration><system.webServer>\n  <heliconZoo>\n    <application name=\"app\">\n      <environmentVariables>\n")
	for _, e := range env {
		b.WriteString("        " + e + "\n")
	}
	b.WriteString("      </environmentVariables>\n    </application>\n  </heliconZoo>\n  <handlers>\n")
	fmt.Fprintf(&b, "    <add name=\"app#x64\" scriptProcessor=%q path=\"*\" verb=\"*\" modules=\"HeliconZoo_x64\" />\n", processor)
	b.WriteString("  </handlers>\n</system.webServer></configuration>\n")
	return b.String()
}

// envAdd is an <add> line of environmentVariables.
func envAdd(name, value string) string {
	esc := strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;").Replace
	return fmt.Sprintf(`<add name="%s" value="%s" />`, esc(name), esc(value))
}

// appByName finds an app or fails the test.
func appByName(t *testing.T, s *Site, name string) *App {
	t.Helper()
	for _, a := range s.Apps {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no app %q in %d apps", name, len(s.Apps))
	return nil
}

// needPython3 skips a test that runs the machine's real python3.
func needPython3(t *testing.T) {
	t.Helper()
	testtool.Python3(t)
}

// runPython runs the interpreter in dir with a deadline and returns its output.
func runPython(py, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// readFile reads a test file or fails.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
