//go:build unix && !linux

package host

import "syscall"

// procAttr puts the child in its own process group. Without a parent-death signal
// (macOS, the BSDs) zoo-dev's workers rely on their lifeline pipe (stdin) to exit when
// zoo-dev dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
