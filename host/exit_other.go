//go:build !unix

package host

import "os"

// exitText says how a process ended, in plain words.
func exitText(ps *os.ProcessState) string {
	if ps == nil {
		return "is still running"
	}
	return "ended: " + ps.String()
}
