package config

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// versionedPythons lists the commands that run Python want ("3.11", "2.7"), best first; for
// want "" those that run some Python 3. Windows installs the py launcher, which knows every
// installed version; python.exe is on PATH only when the installer was told so.
func versionedPythons(want string) []string {
	if want == "" {
		return []string{"py -3", "python", "python3"}
	}
	return []string{"py -" + want, "python" + want}
}

// launcherPython asks the py launcher which interpreter "py -X.Y" runs and returns its path,
// "" when there is no launcher or no such version. The workers then run that python.exe
// directly, so zoo-dev's lifeline and Job object hold the interpreter itself.
func launcherPython(cand, dir string) (string, bool) {
	version, ok := strings.CutPrefix(cand, "py -")
	if !ok {
		return "", false
	}
	py, err := exec.LookPath("py")
	if err != nil {
		return "", true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, py, "-"+version, "-c", "import sys; print(sys.executable)")
	c.Dir = dir
	out, err := c.Output()
	if err != nil {
		return "", true
	}
	return strings.TrimSpace(string(out)), true
}
