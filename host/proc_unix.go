//go:build unix

package host

import (
	"errors"
	"os"
	"syscall"
)

// group is a child's process group: procAttr makes the child its leader, so the group id
// is the child's pid.
type group struct{ pid int }

func newTree(p *os.Process) (tree, error) { return group{p.Pid}, nil }

func (g group) interrupt() bool { killGroup(g.pid, syscall.SIGTERM); return true }

func (g group) kill() { killGroup(g.pid, syscall.SIGKILL) }

func (g group) release() { killGroup(g.pid, syscall.SIGKILL) }

func killGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		syscall.Kill(pid, sig)
	}
}
