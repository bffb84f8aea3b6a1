package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A server is a tree of processes (gunicorn's master and workers, nginx's master and
// workers, zoo-dev and its Python workers), so CPU time and memory are summed over the
// tree the bench started: the root pid and every descendant alive when it is read.

// clkTck is USER_HZ, the unit of utime and stime in /proc/PID/stat. Linux fixes it at
// 100 for user space on every architecture, whatever tick rate the kernel runs at
// (`getconf CLK_TCK` prints it).
const clkTck = 100

// procTree returns root and all its descendants alive now, root first, found through
// each thread's list of children (/proc/PID/task/TID/children).
func procTree(root int) []int {
	seen := map[int]bool{}
	var out []int
	var walk func(pid int)
	walk = func(pid int) {
		if seen[pid] {
			return
		}
		seen[pid] = true
		out = append(out, pid)
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, s := range strings.Fields(string(b)) {
				if n, err := strconv.Atoi(s); err == nil {
					walk(n)
				}
			}
		}
	}
	walk(root)
	return out
}

// statTicks reads a process's CPU time in clock ticks from /proc/PID/stat: its own
// (utime + stime, fields 14 and 15, every thread) and that of the children it has
// waited for (cutime + cstime, fields 16 and 17), so a worker that exits between two
// readings still counts once its parent has reaped it.
func statTicks(pid int) (own, reaped int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// Field 2, the command name, is in parentheses and may hold spaces: count from the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	field := func(n int) int64 {
		if n-3 >= len(f) {
			return 0
		}
		v, _ := strconv.ParseInt(f[n-3], 10, 64) // f[0] is field 3
		return v
	}
	return field(14) + field(15), field(16) + field(17)
}

// treeCPU is the CPU time of a process tree in clock ticks: the root process itself,
// and everything below it (its descendants and the children they reaped).
type treeCPU struct{ root, below int64 }

// sampleCPU walks root's tree now and sums its CPU time. Walking again for every
// sample makes processes started between two samples count.
func sampleCPU(root int) treeCPU {
	var c treeCPU
	for i, pid := range procTree(root) {
		own, reaped := statTicks(pid)
		if i == 0 {
			c.root += own
		} else {
			c.below += own
		}
		c.below += reaped
	}
	return c
}

// perRequest turns the CPU used between before and c into µs per request.
func (c treeCPU) perRequest(before treeCPU, requests int) cpuUse {
	if requests <= 0 {
		return cpuUse{}
	}
	us := func(ticks int64) float64 { return float64(ticks) * 1e6 / clkTck / float64(requests) }
	return cpuUse{Root: us(c.root - before.root), Below: us(c.below - before.below)}
}

// cpuUse is server CPU time per request in µs: the root process and the rest of its tree.
type cpuUse struct{ Root, Below float64 }

// treeMem is the memory of a process tree at one moment, in KiB.
type treeMem struct{ procs, rss, pss int }

// readTreeMem sums VmRSS and Pss over root's tree. RSS counts a page shared by
// forked processes once in every process; PSS divides it among them.
func readTreeMem(root int) treeMem {
	var m treeMem
	for _, pid := range procTree(root) {
		m.procs++
		m.rss += rssKiB(pid)
		m.pss += pssKiB(pid)
	}
	return m
}

// pssKiB reads a process's proportional set size from /proc/PID/smaps_rollup.
func pssKiB(pid int) int { return procKiB(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss:") }

// waitTreeSteady waits until root's process count has not changed for steady (zoo-dev
// starts its spare workers after the first ones answer), or until timeout; it returns
// whether the tree settled.
func waitTreeSteady(root int, steady, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	n, since := len(procTree(root)), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if m := len(procTree(root)); m != n {
			n, since = m, time.Now()
		} else if time.Since(since) >= steady {
			return true
		}
	}
	return false
}
