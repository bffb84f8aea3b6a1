package proxy

import "golang.org/x/sys/windows"

// errAddrInUse is the error of a listen on a port that is taken.
var errAddrInUse error = windows.WSAEADDRINUSE
