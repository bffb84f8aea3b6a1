package fcgi

import (
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// BuildParams returns the FastCGI params for r served by an app mounted at
// scriptName: SCRIPT_NAME is the mount prefix ("" at
// "/"), PATH_INFO the decoded rest of the path ("/" at the root, never empty),
// headers become HTTP_* with repeated values joined by ", " ("; " for Cookie).
// The Proxy header is dropped (httpoxy), and so are header names holding "_",
// which would pass for a dash-spelled header in the CGI namespace.
func BuildParams(r *http.Request, scriptName string) []Param {
	scriptName = strings.TrimRight(scriptName, "/")
	ps := make([]Param, 0, 16+len(r.Header))
	add := func(name, value string) { ps = append(ps, Param{name, value}) }

	add("GATEWAY_INTERFACE", "CGI/1.1")
	add("SERVER_SOFTWARE", "zoo-dev")
	add("REQUEST_METHOD", r.Method)
	add("SCRIPT_NAME", scriptName)
	add("PATH_INFO", pathInfo(r.URL.Path, scriptName))
	add("QUERY_STRING", r.URL.RawQuery)
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	add("REQUEST_URI", uri)
	add("SERVER_PROTOCOL", r.Proto)
	name, port := serverAddr(r)
	add("SERVER_NAME", name)
	add("SERVER_PORT", port)
	if host, rport, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		add("REMOTE_ADDR", host)
		add("REMOTE_PORT", rport)
	} else if r.RemoteAddr != "" {
		add("REMOTE_ADDR", r.RemoteAddr)
	}
	if r.TLS != nil {
		add("HTTPS", "on")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		add("CONTENT_TYPE", ct)
	}
	if r.ContentLength >= 0 {
		add("CONTENT_LENGTH", strconv.FormatInt(r.ContentLength, 10))
	}
	if r.Host != "" {
		add("HTTP_HOST", r.Host)
	}
	return appendHeaderParams(ps, r.Header)
}

// pathInfo is the part of the decoded path below the mount prefix.
func pathInfo(path, scriptName string) string {
	if scriptName != "" && strings.HasPrefix(path, scriptName) &&
		(len(path) == len(scriptName) || path[len(scriptName)] == '/') {
		path = path[len(scriptName):]
	}
	if path == "" {
		return "/"
	}
	return path
}

// serverAddr is the host the client asked for and the port the request came in on.
func serverAddr(r *http.Request) (name, port string) {
	name = r.Host
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		name, port = h, p
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if h, p, err := net.SplitHostPort(la.String()); err == nil {
			port = p
			if name == "" {
				name = h
			}
		}
	}
	if port == "" {
		port = "80"
		if r.TLS != nil {
			port = "443"
		}
	}
	return name, port
}

func appendHeaderParams(ps []Param, h http.Header) []Param {
	keys := make([]string, 0, len(h))
	for k := range h {
		switch k {
		case "Proxy", "Content-Type", "Content-Length", "Host":
			continue
		}
		if strings.IndexByte(k, '_') >= 0 {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sep := ", "
		if k == "Cookie" {
			sep = "; "
		}
		ps = append(ps, Param{cgiHeaderName(k), strings.Join(h[k], sep)})
	}
	return ps
}

// cgiHeaderName turns "X-Forwarded-For" into "HTTP_X_FORWARDED_FOR".
func cgiHeaderName(k string) string {
	b := make([]byte, 5+len(k))
	copy(b, "HTTP_")
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '-':
			c = '_'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b[5+i] = c
	}
	return string(b)
}
