package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
)

// limitFlags are the command-line overrides of the HTTP front's limits; each one
// set replaces the zoo.toml value.
type limitFlags struct {
	set   []func(*config.Limits)
	hosts []string
}

// addLimitFlags registers the limit flags on fs.
func addLimitFlags(fs *flag.FlagSet) *limitFlags {
	lf := &limitFlags{}
	size := func(name, usage string, apply func(*config.Limits, int64) error) {
		fs.Func(name, usage, func(s string) error {
			n, err := config.ParseSize(s)
			if err == nil {
				err = apply(&config.Limits{}, n) // checks the value now, so a bad one exits 2
			}
			lf.set = append(lf.set, func(l *config.Limits) { apply(l, n) })
			return err
		})
	}
	size("max-body-size", "largest request body `SIZE`, e.g. 10MiB (default 100MiB; 413 over it)",
		func(l *config.Limits, n int64) error { l.MaxBodySize = n; return nil })
	size("max-header-size", "largest `SIZE` of the request line and headers, 4KiB to 512KiB (default 64KiB; 431 over it)",
		func(l *config.Limits, n int64) error { l.MaxHeaderSize = int(n); return config.CheckHeaderSize(n) })
	dur := func(name, usage string, field func(*config.Limits) *time.Duration) {
		fs.Func(name, usage, func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return fmt.Errorf(`not a positive duration; use e.g. "60s" or "2m"`)
			}
			lf.set = append(lf.set, func(l *config.Limits) { *field(l) = d })
			return nil
		})
	}
	dur("body-timeout", "longest `DURATION` between two reads of a request body (default 60s; 408 after it)",
		func(l *config.Limits) *time.Duration { return &l.BodyTimeout })
	dur("write-timeout", "longest `DURATION` a write to a client may block before zoo-dev drops it (default 60s)",
		func(l *config.Limits) *time.Duration { return &l.WriteTimeout })
	dur("idle-timeout", "`DURATION` a kept-alive connection may wait for its next request (default 60s)",
		func(l *config.Limits) *time.Duration { return &l.IdleTimeout })
	fs.Func("allow-host", "serve this `HOST` name too (repeatable or a comma list; *.domain for subdomains, * for any)", func(s string) error {
		for _, h := range strings.Split(s, ",") {
			if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
				lf.hosts = append(lf.hosts, h)
			}
		}
		return nil
	})
	fs.BoolFunc("stream-uploads", "send request bodies to the app as they arrive instead of reading them first", func(s string) error {
		lf.set = append(lf.set, func(l *config.Limits) { l.StreamUploads = s != "false" })
		return nil
	})
	return lf
}

// apply writes the flags that were given over l; --allow-host adds to the file's list.
func (lf *limitFlags) apply(l *config.Limits) {
	if lf == nil {
		return
	}
	for _, f := range lf.set {
		f(l)
	}
	l.AllowedHosts = append(l.AllowedHosts, lf.hosts...)
}
