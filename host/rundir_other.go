//go:build !unix

package host

import "os"

// processGone reports whether no process has the id pid: on Windows opening a
// process that has exited fails.
func processGone(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	p.Release()
	return false
}
