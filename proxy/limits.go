package proxy

import (
	"time"

	"github.com/zoo-dev/zoo-dev/config"
)

// limitsOf fills the limits a site left at zero with the defaults.
func limitsOf(l config.Limits) config.Limits {
	d := config.DefaultLimits()
	for _, f := range []struct{ v, def *time.Duration }{{&l.BodyTimeout, &d.BodyTimeout}, {&l.WriteTimeout, &d.WriteTimeout}, {&l.IdleTimeout, &d.IdleTimeout}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if l.MaxBodySize <= 0 {
		l.MaxBodySize = d.MaxBodySize
	}
	if l.MaxHeaderSize <= 0 {
		l.MaxHeaderSize = d.MaxHeaderSize
	}
	return l
}
