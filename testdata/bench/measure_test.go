package bench

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
)

type key struct {
	target string
	conns  int
}

func numCPU() int { return runtime.NumCPU() }

// cpuScope says which part of a target's process tree its CPU column shows.
type cpuScope int

const (
	cpuNone  cpuScope = iota // not measured
	cpuTree                  // the whole tree the bench started, one number
	cpuSplit                 // the whole tree, shown as the root (zoo-dev's Go) + below (its Python)
	cpuRoot                  // the root process alone (zoo-dev's front without its workers)
)

// of is the number the scope shows, in µs per request.
func (u cpuUse) of(s cpuScope) float64 {
	if s == cpuRoot {
		return u.Root
	}
	return u.Root + u.Below
}

// measure warms every target, then for each connection count runs wrk on each
// target in turn, `runs` times over, so the targets share whatever else the machine does.
// For a target with a pid it samples the CPU time of that process tree right before and
// after each run (the wrk client is not in the tree).
func measure(t *testing.T, targets []target, conns []int) map[key][]wrkResult {
	t.Helper()
	for _, tg := range targets {
		warm(t, tg.url)
	}
	res := map[key][]wrkResult{}
	for _, c := range conns {
		for range runs {
			for _, tg := range targets {
				var before treeCPU
				if tg.cpu != cpuNone {
					before = sampleCPU(tg.pid)
				}
				r := runWrk(t, tg.url, c, runDur)
				if tg.cpu != cpuNone {
					r.CPU = sampleCPU(tg.pid).perRequest(before, r.Requests)
				}
				t.Logf("%-22s c=%-3d %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d  cpu %.0f+%.0f µs/req",
					tg.name, c, r.RPS, r.P50, r.P99, r.Errors, r.CPU.Root, r.CPU.Below)
				res[key{tg.name, c}] = append(res[key{tg.name, c}], r)
			}
		}
	}
	return res
}

// wrkTable renders wrk results: medians with min–max and ratios to each row's reference,
// and server CPU per request when any target measured it.
func wrkTable(title string, targets []target, conns []int, res map[key][]wrkResult) string {
	head := []string{"server", "conns", "req/s median (min–max)", "req/s ratio", "p50 ms", "p99 ms median (min–max)", "p99 ratio", "errors"}
	withCPU := slices.ContainsFunc(targets, func(tg target) bool { return tg.cpu != cpuNone })
	if withCPU {
		head = append(head, "server CPU µs/req median (min–max)", "CPU ratio")
	}
	scope := map[string]cpuScope{}
	for _, tg := range targets {
		scope[tg.name] = tg.cpu
	}
	var rows [][]string
	for _, c := range conns {
		for _, tg := range targets {
			rs := res[key{tg.name, c}]
			rps, p50, p99, errs := columns(rs)
			rr, pr := "1.00 (ref)", "1.00 (ref)"
			if tg.ref != "" {
				rrps, _, rp99, _ := columns(res[key{tg.ref, c}])
				rr = ratio(rps.Med, rrps.Med) + " vs " + tg.ref
				pr = ratio(p99.Med, rp99.Med)
			}
			row := []string{tg.name, fmt.Sprint(c), rps.f(0), rr, fmt.Sprintf("%.2f", p50.Med), p99.f(2), pr, fmt.Sprint(errs)}
			if withCPU {
				row = append(row, cpuCell(rs, tg.cpu), cpuRatio(rs, tg, res[key{tg.ref, c}], scope[tg.ref]))
			}
			rows = append(rows, row)
		}
	}
	return table(title, head, rows)
}

// cpuStat summarises the CPU per request of repeated runs: the shown number, the root, the rest.
func cpuStat(rs []wrkResult, s cpuScope) (shown, root, below stat) {
	var a, b, c []float64
	for _, r := range rs {
		a, b, c = append(a, r.CPU.of(s)), append(b, r.CPU.Root), append(c, r.CPU.Below)
	}
	return summarize(a), summarize(b), summarize(c)
}

// cpuCell is "median (min–max)", with zoo-dev's Go and Python medians for a split row.
func cpuCell(rs []wrkResult, s cpuScope) string {
	if s == cpuNone {
		return "–"
	}
	shown, root, below := cpuStat(rs, s)
	cell := shown.f(0)
	if s == cpuSplit {
		cell += fmt.Sprintf(": Go %.0f + Python %.0f", root.Med, below.Med)
	}
	return cell
}

// cpuRatio compares a row's median CPU per request with its reference row's.
func cpuRatio(rs []wrkResult, tg target, ref []wrkResult, refScope cpuScope) string {
	switch {
	case tg.cpu == cpuNone:
		return "–"
	case tg.ref == "":
		return "1.00 (ref)"
	case refScope == cpuNone:
		return "–"
	}
	shown, _, _ := cpuStat(rs, tg.cpu)
	refShown, _, _ := cpuStat(ref, refScope)
	return ratio(shown.Med, refShown.Med)
}

func columns(rs []wrkResult) (rps, p50, p99 stat, errs int) {
	var a, b, c []float64
	for _, r := range rs {
		a, b, c = append(a, r.RPS), append(b, r.P50), append(c, r.P99)
		errs += r.Errors
	}
	return summarize(a), summarize(b), summarize(c), errs
}
