package host

import "syscall"

// procAttr puts the child in its own process group and has the kernel send it
// SIGKILL when zoo-dev dies, even by SIGKILL.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
