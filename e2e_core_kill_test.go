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
	z := startZoo(t, copyDir(t, "sample/apps/crashy"))
	z.waitLine(regexp.MustCompile(`state RUNNING`), 30*time.Second)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var mu sync.Mutex
	var lastPID int        // the worker that answered the latest 200
	var oks []time.Time    // when each 200 arrived, for requests sent after lastKill
	var lastKill time.Time // zero during the attack's first tick
	bad := map[int]int{}   // statuses other than 200 and the gateway errors
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
					if !lastKill.IsZero() && sent.After(lastKill) {
						oks = append(oks, time.Now())
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
			lastKill, oks = time.Now(), nil
			mu.Unlock()
		}
	}
	tick.Stop()
	if kills < 3 {
		t.Fatalf("only %d kills in 10 s: the app never served between them", kills)
	}

	deadline := time.Now().Add(30 * time.Second)
	var recovery time.Duration
	for recovery == 0 && time.Now().Before(deadline) {
		mu.Lock()
		if len(oks) > 0 {
			recovery = oks[0].Sub(lastKill)
		}
		mu.Unlock()
		time.Sleep(10 * time.Millisecond) // the clients record their answers; this only reads them
	}
	stop()
	wg.Wait()
	if recovery == 0 {
		t.Fatalf("no 200 within 30 s of the last of %d kills", kills)
	}
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
