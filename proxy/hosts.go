package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
)

// hostPolicy decides which Host names are served. A page of another site that
// rebinds its own name to 127.0.0.1 (DNS rebinding) reaches zoo-dev with that
// name; refusing it keeps the local app unreadable to that page, as Vite,
// webpack-dev-server and Django's ALLOWED_HOSTS do. IP addresses are always
// served: a rebinding page cannot make the browser send one.
type hostPolicy struct {
	any      bool
	names    map[string]bool // exact names, lower case
	suffixes []string        // ".localhost", ".example.test" for "*.example.test"
}

// newHostPolicy allows localhost, *.localhost, IP addresses, the machine's name
// (and name.local), the listen address and every entry of allowed.
func newHostPolicy(allowed []string, listen net.Addr) *hostPolicy {
	h := &hostPolicy{names: map[string]bool{"localhost": true}, suffixes: []string{".localhost"}}
	if name, err := os.Hostname(); err == nil && name != "" {
		name = strings.ToLower(name)
		h.names[name], h.names[name+".local"] = true, true
	}
	if listen != nil {
		if host, _, err := net.SplitHostPort(listen.String()); err == nil {
			h.names[strings.ToLower(host)] = true
		}
	}
	for _, a := range allowed {
		switch {
		case a == "*":
			h.any = true
		case strings.HasPrefix(a, "*."):
			h.suffixes = append(h.suffixes, a[1:])
		case strings.HasPrefix(a, "."):
			h.suffixes = append(h.suffixes, a)
			h.names[a[1:]] = true
		default:
			h.names[hostName(a)] = true
		}
	}
	return h
}

// allows reports whether a request with this Host header is served.
func (h *hostPolicy) allows(host string) bool {
	if h.any || host == "" { // HTTP/1.0 without a Host: no browser sends that
		return true
	}
	name := hostName(host)
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	if h.names[name] {
		return true
	}
	for _, s := range h.suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// hostName is the lower-case name of a Host header, without port, brackets or final dot.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	return strings.ToLower(host)
}

// refuseHost answers a Host name that is not allowed, and says so in the log once per name.
func (s *Server) refuseHost(w http.ResponseWriter, r *http.Request, rt *route) {
	name := hostName(r.Host)
	s.warned.warn(s.bus, s.appFor(rt), "host "+name, func() string {
		return fmt.Sprintf("refused Host %q (403); to serve it, add it to allowed_hosts in zoo.toml or pass --allow-host %s", name, name)
	})
	writePage(w, r, pageBlockedHost(r.Host))
}

// pageBlockedHost explains a refused Host and how to allow it.
func pageBlockedHost(host string) page {
	name := hostName(host)
	return page{Status: http.StatusForbidden, Title: "Blocked Host",
		Message: fmt.Sprintf("zoo-dev does not serve the host name %q: only localhost, *.localhost, IP addresses and this machine's name, "+
			"so that no other web page can read your app through DNS rebinding. To serve %s, add it in zoo.toml "+
			`(allowed_hosts = [%q]) or start zoo-dev with --allow-host %s; "*" allows any name.`, name, name, name, name)}
}
