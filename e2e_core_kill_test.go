package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

var pidRE = regexp.MustCompile(`pid=(\d+)`)

// Workers killed from outside while they serve are replaced at once: after a
// serving worker is SIGKILLed every 0.5 s for 10 s under 8 clients, the app answers
// 200 again within a moment of the last kill, not after a crash-loop backoff.
func TestKilledWorkersRecoverAtOnce(t *testing.T) {
	// A fixed single worker: with autoscale a second one would answer while the
	// killed one is replaced, and the test would measure nothing.
	z := startZoo(t, "--workers", "1", copyDir(t, "sample/apps/crashy"))
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var mu sync.Mutex
	var lastPID int                  // the worker that answered the latest 200
	var firstOK time.Time            // when the first 200 arrived for a request sent after lastKill
	var lastKill time.Time           // zero during the attack's first tick
	recovered := make(chan struct{}) // closed at firstOK; made anew at each kill
	bad := map[int]int{}             // statuses other than 200 and the gateway errors
	client := &http.Client{Timeout: 20 * time.Second}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				sent := time.Now()
				resp, err := client.Get(z.URL + "/")
				if err != nil {
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				switch m := pidRE.FindSubmatch(body); {
				case resp.StatusCode == 200 && m != nil:
					lastPID, _ = strconv.Atoi(string(m[1]))
					if !lastKill.IsZero() && sent.After(lastKill) && firstOK.IsZero() {
						firstOK = time.Now()
						close(recovered)
					}
				case resp.StatusCode != 502 && resp.StatusCode != 503 && resp.StatusCode != 504:
					bad[resp.StatusCode]++
				}
				mu.Unlock()
			}
		}()
	}

	kills := 0
	tick := time.NewTicker(500 * time.Millisecond)
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
		<-tick.C
		mu.Lock()
		pid := lastPID
		mu.Unlock()
		if pid != 0 && pid != z.cmd.Process.Pid && slices.Contains(z.descendants(), pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			kills++
			mu.Lock()
			lastKill, firstOK, recovered = time.Now(), time.Time{}, make(chan struct{})
			mu.Unlock()
		}
	}
	tick.Stop()
	if kills < 3 {
		t.Fatalf("only %d kills in 10 s: the app never served between them", kills)
	}

	mu.Lock()
	done := recovered
	mu.Unlock()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	stop()
	wg.Wait()
	if firstOK.IsZero() {
		t.Fatalf("no 200 within 30 s of the last of %d kills", kills)
	}
	recovery := firstOK.Sub(lastKill)
	t.Logf("%d kills in 10 s under 8 clients; first 200 %s after the last kill", kills, recovery.Round(time.Millisecond))
	// The goal is 1 s (a ready spare takes over in a fraction of that); the bound
	// leaves room for a loaded machine and stays below the crash-loop backoff
	// (3.2 s and more after six kills) that killed workers used to get.
	if recovery > 3*time.Second {
		t.Errorf("first 200 came %s after the last kill, want under 3 s", recovery)
	}
	if len(bad) > 0 {
		t.Errorf("unexpected statuses during the kills: %v", bad)
	}
}
