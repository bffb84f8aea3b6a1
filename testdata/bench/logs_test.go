package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// logApp answers hello; GET /logs starts a thread in that worker printing
// 5,000 lines a second for 10 s. A file lock lets one stream run at a time.
const logApp = `import fcntl, threading, time

LOCK = open("stream.lock", "w")  # one stream at a time across every worker and both zoo-devs


def stream(rate=5000, seconds=10):
    try:
        start = time.monotonic()
        for i in range(rate * seconds):
            due = start + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            print("log line %d: the quick brown fox jumps over the lazy dog" % i)
    finally:
        fcntl.flock(LOCK, fcntl.LOCK_UN)


def application(environ, start_response):
    body = b"hello\n"
    if environ["PATH_INFO"] == "/logs":
        body = b"busy\n"
        try:
            fcntl.flock(LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass
        else:
            threading.Thread(target=stream, daemon=True).start()
            body = b"started\n"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
`

const (
	streamSeconds = 10
	helpMark      = "oldest line" // shown only in the full help (?)
)

// streamResult is one wrk run while (or without) the log stream runs.
type streamResult struct {
	wrk     wrkResult
	peakRSS int             // KiB, zoo-dev only
	keys    []time.Duration // keypress answer times (dashboard only)
	missed  int             // keypresses not answered within 2 s
}

// TestBenchLogs measures zoo-dev's own memory at idle and under load, and the cost
// of an app printing 5,000 lines/s for 10 s while wrk runs: headless against the
// dashboard in a real 120×40 terminal (tmux), whose keys must still answer.
func TestBenchLogs(t *testing.T) {
	needBench(t, "wrk", "tmux")
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, map[string]string{"app.py": logApp,
		"zoo.toml": zooToml("logs", frontWorkers, frontThreads, map[string]string{"WSGI_APP": "app.application"}, "")})
	pinPython(t, dir)
	z := startZoo(t, dir)
	d := startDashboard(t, dir)
	warm(t, z.URL+"/")
	warm(t, d.URL+"/")
	idle := []int{rssKiB(z.pid()), rssKiB(d.pid)}

	var base, loaded64, head, dash []streamResult
	for range runs {
		base = append(base, streamRun(t, z.URL, z.pid(), 16, false, nil))
		loaded64 = append(loaded64, streamRun(t, z.URL, z.pid(), 64, false, nil))
		before := z.out.lines()
		head = append(head, streamRun(t, z.URL, z.pid(), 16, true, nil))
		t.Logf("headless printed %d lines during the stream", z.out.lines()-before)
		dash = append(dash, streamRun(t, d.URL, d.pid, 16, true, d))
	}
	addReport(logsTable(idle, base, loaded64, head, dash))
}

// streamRun runs wrk for streamSeconds, first starting the log stream when
// stream is set, and samples zoo-dev's RSS every 100 ms; with a dashboard it
// toggles the help with `?` once a second and times the answer.
func streamRun(t *testing.T, url string, pid, conns int, stream bool, d *dashboard) streamResult {
	t.Helper()
	if stream { // answers "busy" until the previous stream has ended
		waitHTTP(t, url+"/logs", "started", 30*time.Second)
	}
	var r streamResult
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.peakRSS = peakRSS(ctx, pid) }()
	if d != nil {
		wg.Add(1)
		go func() { defer wg.Done(); r.keys, r.missed = pressKeys(ctx, d) }()
	}
	r.wrk = runWrk(t, url+"/", conns, streamSeconds*time.Second)
	cancel()
	wg.Wait()
	return r
}

// peakRSS samples pid's RSS every 100 ms until ctx ends and returns the largest.
func peakRSS(ctx context.Context, pid int) int {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	peak := rssKiB(pid)
	for {
		select {
		case <-ctx.Done():
			return peak
		case <-tick.C:
			peak = max(peak, rssKiB(pid))
		}
	}
}

// pressKeys toggles the full help once a second until ctx ends, timing each answer.
func pressKeys(ctx context.Context, d *dashboard) (lat []time.Duration, missed int) {
	show := true
	for n := 0; n < 60; n++ {
		select {
		case <-ctx.Done():
			if !show { // leave the help closed for the next run
				d.keypress("?", helpMark, false)
			}
			return lat, missed
		case <-time.After(time.Second):
		}
		dt, ok := d.keypress("?", helpMark, show)
		if !ok {
			missed++
			continue
		}
		lat = append(lat, dt)
		show = !show
	}
	return lat, missed
}

// logsTable renders memory, throughput and key latency for the log stream runs.
func logsTable(idle []int, base, loaded64, head, dash []streamResult) string {
	rows := [][]string{}
	rssMiB := func(rs []streamResult) stat {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, float64(r.peakRSS)/1024)
		}
		return summarize(xs)
	}
	rps := func(rs []streamResult) ([]wrkResult, stat) {
		var ws []wrkResult
		for _, r := range rs {
			ws = append(ws, r.wrk)
		}
		s, _, _, _ := columns(ws)
		return ws, s
	}
	_, headRPS := rps(head)
	for _, c := range []struct {
		name, ref string
		rs        []streamResult
	}{
		{"headless, no log stream, 16 conns", "", base},
		{"headless, no log stream, 64 conns", "", loaded64},
		{"headless + 5,000 lines/s, 16 conns", "", head},
		{"dashboard (tmux 120×40) + 5,000 lines/s, 16 conns", "headless", dash},
	} {
		ws, s := rps(c.rs)
		_, _, p99, errs := columns(ws)
		r := "–"
		if c.ref != "" {
			r = ratio(s.Med, headRPS.Med)
		}
		keys := "–"
		if c.ref != "" {
			var ms []float64
			missed := 0
			for _, x := range c.rs {
				missed += x.missed
				for _, k := range x.keys {
					ms = append(ms, float64(k.Microseconds())/1000)
				}
			}
			keys = fmt.Sprintf("%.0f / %.0f / %.0f (%d presses, %d unanswered in 2 s)", percentile(ms, 50), percentile(ms, 90), summarize(ms).Max, len(ms), missed)
		}
		rows = append(rows, []string{c.name, s.f(0), r, p99.f(1), fmt.Sprint(errs), rssMiB(c.rs).f(1), keys})
	}
	return table("zoo-dev's own memory, and a 5,000 lines/s log stream", []string{"run", "req/s median (min–max)", "ratio vs headless + stream",
		"p99 ms", "errors", "zoo-dev peak RSS MiB", "key answered p50 / p90 / max ms"}, rows) +
		fmt.Sprintf("\nzoo-dev RSS at idle after start: %.1f MiB headless, %.1f MiB with the dashboard. "+
			"The app (2 workers × 4 threads) prints 5,000 lines/s for %d s from a background thread while wrk runs; "+
			"headless, zoo-dev writes every line (and one per request) to a pipe the bench reads. "+
			"Keys: `?` toggles the full help once a second; the time runs from `tmux send-keys` until `tmux capture-pane` shows the change "+
			"(each capture costs a few ms, included).\n", float64(idle[0])/1024, float64(idle[1])/1024, streamSeconds)
}
