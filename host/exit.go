//go:build unix

package host

import (
	"fmt"
	"os"
	"syscall"
)

var signalNames = map[syscall.Signal]string{
	syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGHUP: "SIGHUP",
	syscall.SIGILL: "SIGILL", syscall.SIGINT: "SIGINT", syscall.SIGKILL: "SIGKILL", syscall.SIGPIPE: "SIGPIPE",
	syscall.SIGQUIT: "SIGQUIT", syscall.SIGSEGV: "SIGSEGV", syscall.SIGTERM: "SIGTERM", syscall.SIGUSR1: "SIGUSR1",
	syscall.SIGUSR2: "SIGUSR2", syscall.SIGXCPU: "SIGXCPU",
}

// exitText says how a process ended, in plain words: "exited with status 3" or
// "was killed by signal SIGKILL".
func exitText(ps *os.ProcessState) string {
	if ps == nil {
		return "is still running"
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		name := signalNames[ws.Signal()]
		if name == "" {
			name = fmt.Sprintf("%d (%s)", int(ws.Signal()), ws.Signal())
		}
		return "was killed by signal " + name
	}
	return fmt.Sprintf("exited with status %d", ps.ExitCode())
}
