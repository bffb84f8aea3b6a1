//go:build !windows

package host

const defaultTransport, unixSockets = "unix", true
