//go:build !unix

package fcgi

import "net"

// alive cannot peek on this platform; a dead connection is caught by the
// retry on the first write instead.
func alive(nc net.Conn) bool { return true }
