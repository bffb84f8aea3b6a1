package bench

import (
	"fmt"
	"runtime"
	"testing"
)

type key struct {
	target string
	conns  int
}

func numCPU() int { return runtime.NumCPU() }

// measure warms every target, then for each connection count runs wrk on each
// target in turn, `runs` times over, so the targets share whatever else the machine does.
func measure(t *testing.T, targets []target, conns []int) map[key][]wrkResult {
	t.Helper()
	for _, tg := range targets {
		warm(t, tg.url)
	}
	res := map[key][]wrkResult{}
	for _, c := range conns {
		for range runs {
			for _, tg := range targets {
				r := runWrk(t, tg.url, c, runDur)
				t.Logf("%-22s c=%-3d %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d", tg.name, c, r.RPS, r.P50, r.P99, r.Errors)
				res[key{tg.name, c}] = append(res[key{tg.name, c}], r)
			}
		}
	}
	return res
}

// wrkTable renders wrk results: medians with min–max and ratios to each row's reference.
func wrkTable(title string, targets []target, conns []int, res map[key][]wrkResult) string {
	head := []string{"server", "conns", "req/s median (min–max)", "req/s ratio", "p50 ms", "p99 ms median (min–max)", "p99 ratio", "errors"}
	var rows [][]string
	for _, c := range conns {
		for _, tg := range targets {
			rps, p50, p99, errs := columns(res[key{tg.name, c}])
			rr, pr := "1.00 (ref)", "1.00 (ref)"
			if tg.ref != "" {
				rrps, _, rp99, _ := columns(res[key{tg.ref, c}])
				rr = ratio(rps.Med, rrps.Med) + " vs " + tg.ref
				pr = ratio(p99.Med, rp99.Med)
			}
			rows = append(rows, []string{tg.name, fmt.Sprint(c), rps.f(0), rr, fmt.Sprintf("%.2f", p50.Med), p99.f(2), pr, fmt.Sprint(errs)})
		}
	}
	return table(title, head, rows)
}

func columns(rs []wrkResult) (rps, p50, p99 stat, errs int) {
	var a, b, c []float64
	for _, r := range rs {
		a, b, c = append(a, r.RPS), append(b, r.P50), append(c, r.P99)
		errs += r.Errors
	}
	return summarize(a), summarize(b), summarize(c), errs
}
