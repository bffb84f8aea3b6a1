package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits are the HTTP front's limits, the same for every app of a site. zoo.toml
// sets them with top-level keys (max_body_size, body_timeout, write_timeout,
// idle_timeout, max_header_size, allowed_hosts, stream_uploads); web.config has
// no such settings, and command-line flags override both.
type Limits struct {
	// MaxBodySize is the largest request body, in bytes; default 100 MiB. Larger ones get 413.
	MaxBodySize int64 `json:"max_body_size"`
	// BodyTimeout is the longest wait between two reads of a request body; default 60s. 408 after it.
	BodyTimeout time.Duration `json:"body_timeout"`
	// WriteTimeout is the longest a write to a client may block; default 60s. The connection closes after it.
	WriteTimeout time.Duration `json:"write_timeout"`
	// IdleTimeout is how long a kept-alive connection may wait for its next request; default 60s.
	IdleTimeout time.Duration `json:"idle_timeout"`
	// MaxHeaderSize bounds the request line and headers together, in bytes; default 64 KiB. 431 over it.
	MaxHeaderSize int `json:"max_header_size"`
	// AllowedHosts are Host names served besides the defaults (localhost, *.localhost, IP
	// addresses, the machine's name, the listen address): "name", "*.domain", or "*" for any.
	AllowedHosts []string `json:"allowed_hosts,omitempty"`
	// StreamUploads sends request bodies to the app as they arrive, holding a worker while
	// they do; default false: a body is read whole before a worker is asked.
	StreamUploads bool `json:"stream_uploads"`
}

// Bounds of MaxHeaderSize: the worker refuses FastCGI params over 1 MiB.
const (
	MinHeaderSize = 4 << 10
	MaxHeaderSize = 512 << 10
)

// DefaultLimits returns the limits a site has when nothing sets them.
func DefaultLimits() Limits {
	return Limits{MaxBodySize: 100 << 20, BodyTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 60 * time.Second, MaxHeaderSize: 64 << 10}
}

// limitKeys are the top-level zoo.toml keys that set Limits.
var limitKeys = []string{"max_body_size", "body_timeout", "write_timeout", "idle_timeout", "max_header_size", "allowed_hosts", "stream_uploads"}

// limitKey reads one top-level key of Limits; ok is false for any other key.
func (t *tomlReader) limitKey(name string, at pos) (ok bool, err error) {
	if t.d.limits == nil {
		l := DefaultLimits()
		t.d.limits = &l
	}
	l, v := t.d.limits, t.raw[name]
	switch name {
	case "max_body_size", "max_header_size":
		var n int64
		if n, err = sizeValue(v); err != nil {
			return true, errorAt(t.file, at, "", name, fmt.Sprint(v), err.Error())
		}
		if name == "max_body_size" {
			l.MaxBodySize = n
			return true, nil
		}
		if err = CheckHeaderSize(n); err != nil {
			return true, errorAt(t.file, at, "", name, fmt.Sprint(v), err.Error())
		}
		l.MaxHeaderSize = int(n)
	case "body_timeout":
		l.BodyTimeout, err = t.duration(v, at, name)
	case "write_timeout":
		l.WriteTimeout, err = t.duration(v, at, name)
	case "idle_timeout":
		l.IdleTimeout, err = t.duration(v, at, name)
	case "stream_uploads":
		b, isBool := v.(bool)
		if !isBool {
			return true, t.typeError(v, at, name, "true or false")
		}
		l.StreamUploads = b
	case "allowed_hosts":
		l.AllowedHosts, err = hostList(v)
		if err != nil {
			return true, errorAt(t.file, at, "", name, fmt.Sprint(v), err.Error())
		}
	default:
		return false, nil
	}
	return true, err
}

// sizeValue reads a size: a whole number of bytes, or a string such as "10MiB".
func sizeValue(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		if x <= 0 {
			return 0, fmt.Errorf("must be a positive number of bytes")
		}
		return x, nil
	case string:
		return ParseSize(x)
	}
	return 0, fmt.Errorf(`must be a number of bytes or a size in quotes such as "10MiB"`)
}

// ParseSize reads "1048576", "512KiB", "10MiB" or "1GiB" (KB, MB, GB count 1024s too).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf(`not a size; use a positive number of bytes or e.g. "512KiB", "10MiB", "1GiB"`)
	}
	return n * mult, nil
}

// CheckHeaderSize keeps the header limit where the worker can take it.
func CheckHeaderSize(n int64) error {
	if n < MinHeaderSize || n > MaxHeaderSize {
		return fmt.Errorf("must be between 4KiB and 512KiB")
	}
	return nil
}

func hostList(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf(`must be a list of host names such as ["myapp.test", "*.example.test"], or ["*"] for any`)
	}
	var out []string
	for _, x := range list {
		s, ok := x.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf(`every entry must be a host name in quotes, e.g. "myapp.test"`)
		}
		out = append(out, strings.ToLower(strings.TrimSpace(s)))
	}
	return out, nil
}
