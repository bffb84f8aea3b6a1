//go:build unix

package fcgi

import (
	"net"
	"syscall"
)

// alive reports whether an idle connection can be reused: the peer has not
// closed it and sent nothing unasked. It peeks without blocking, one syscall.
// A unix socket needs no peek: writing to one its peer closed fails at once
// (EPIPE), and that first failed write is retried on a new connection.
func alive(nc net.Conn) bool {
	if _, unix := nc.(*net.UnixConn); unix {
		return true
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var b [1]byte
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		_, _, rerr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	})
	return err == nil && (rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK)
}
