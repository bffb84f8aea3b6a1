package tui

import (
	"strings"
	"time"
)

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values as one row of block characters scaled to the largest;
// zero is the lowest block, so an idle stretch still shows as a baseline.
func sparkline(vals []float64) string {
	var max float64
	for _, v := range vals {
		if v > max {
			max = v
		}
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if max > 0 && v > 0 {
			i = 1 + int(v/max*float64(len(sparkRunes)-2)+0.5)
		}
		if i >= len(sparkRunes) {
			i = len(sparkRunes) - 1
		}
		b.WriteRune(sparkRunes[i])
	}
	return b.String()
}

// bar is d as a horizontal bar of up to width cells, scaled to max.
func bar(d, max time.Duration, width int) string {
	if width < 1 || max <= 0 {
		return ""
	}
	n := int(float64(d) / float64(max) * float64(width))
	if n < 1 {
		n = 1
	}
	return strings.Repeat("█", n)
}
