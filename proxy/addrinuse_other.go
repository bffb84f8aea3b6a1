//go:build !windows

package proxy

import "syscall"

// errAddrInUse is the error of a listen on a port that is taken.
var errAddrInUse error = syscall.EADDRINUSE
