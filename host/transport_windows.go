package host

// CPython has no AF_UNIX sockets on Windows: workers listen on 127.0.0.1.
const defaultTransport, unixSockets = "tcp", false
