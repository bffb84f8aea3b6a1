//go:build !windows

package config

// versionedPythons lists the commands that run Python want ("3.11", "2.7"), best first; for
// want "" those that run some Python 3.
func versionedPythons(want string) []string {
	if want == "" {
		return []string{"python3", "python"}
	}
	return []string{"python" + want}
}

// launcherPython resolves a launcher command such as "py -3"; there is none off Windows.
func launcherPython(cand, dir string) (string, bool) { return "", false }
