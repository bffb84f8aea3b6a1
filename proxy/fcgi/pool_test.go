package fcgi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		path string
		head bool // the header arrives; the body read times out
	}{
		{"first byte", Options{FirstByteTimeout: 200 * time.Millisecond}, "/hold", false},
		{"idle between records", Options{IdleTimeout: 200 * time.Millisecond}, "/gate", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate := make(chan struct{})
			defer close(gate)
			srv := startGoServer(t, goHandler(gate))
			p := srv.pool(t, 1, tt.opts)
			start := time.Now()
			resp, err := get(testCtx(t, 10*time.Second), p, tt.path)
			if tt.head {
				if err != nil {
					t.Fatal(err)
				}
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if !errors.Is(err, ErrTimeout) || StatusFor(err) != 504 {
				t.Fatalf("err %v (status %d), want ErrTimeout and 504", err, StatusFor(err))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if st := p.Stats()[0]; st.Open != 0 || st.InFlight != 0 || st.Errors != 1 {
				t.Errorf("stats %+v: the timed-out connection must be closed", st)
			}
		})
	}
}

func TestWaitForFreeSlot(t *testing.T) {
	gate := make(chan struct{})
	srv := startGoServer(t, goHandler(gate))
	p := srv.pool(t, 1, Options{})
	first, err := get(testCtx(t, 10*time.Second), p, "/gate")
	if err != nil {
		t.Fatal(err)
	}
	// The only slot is taken: a request with a short deadline gives up with ErrBusy.
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := get(short, p, "/id?i=a&size=2"); !errors.Is(err, ErrBusy) || StatusFor(err) != 503 {
		t.Fatalf("err %v, want ErrBusy (503)", err)
	}
	// One without a deadline waits and is served once the slot frees.
	done := make(chan error, 1)
	go func() {
		resp, err := get(testCtx(t, 10*time.Second), p, "/id?i=b&size=2")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	close(gate)
	readAll(t, first)
	if err := <-done; err != nil {
		t.Fatalf("waiting request: %v", err)
	}
}

func TestDrainRemoveClose(t *testing.T) {
	gate := make(chan struct{})
	srv := startGoServer(t, goHandler(gate))
	p := srv.pool(t, 2, Options{})
	held, err := get(testCtx(t, 10*time.Second), p, "/gate")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.Drain(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("drain with a request in flight: %v", err)
	}
	if _, err := get(testCtx(t, time.Second), p, "/id?i=a&size=2"); !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("request while draining: %v, want ErrPoolClosed", err)
	}
	close(gate)
	readAll(t, held)
	if err := p.Drain(testCtx(t, 5*time.Second)); err != nil {
		t.Fatalf("drain: %v", err)
	}

	p2 := srv.pool(t, 2, Options{})
	p2.Remove(1)
	if _, err := get(testCtx(t, time.Second), p2, "/id"); !errors.Is(err, ErrNoBackend) || StatusFor(err) != 503 {
		t.Fatalf("no backend: %v", err)
	}
	p2.Add(7, "unix", filepath.Join(t.TempDir(), "missing.sock"), 1, true)
	if _, err := get(testCtx(t, time.Second), p2, "/id"); !errors.Is(err, ErrDial) || StatusFor(err) != 502 {
		t.Fatalf("dead backend: %v", err)
	}
	p2.Close()
	if _, err := get(testCtx(t, time.Second), p2, "/id"); !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("closed pool: %v", err)
	}
}

// Requests waiting for a slot get it in the order they began to wait, one per freed slot;
// waiters that give up on the way take nothing from the others.
func TestWaitersTakeSlotsInTurn(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var order []string
	mux := http.NewServeMux()
	mux.HandleFunc("/gate", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "held\n")
		w.(http.Flusher).Flush() // the header goes out; the slot stays taken until the gate opens
		<-gate
	})
	mux.HandleFunc("/id", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.URL.Query().Get("i"))
		mu.Unlock()
	})
	srv := startGoServer(t, mux)
	p := srv.pool(t, 1, Options{})
	held, err := get(testCtx(t, 10*time.Second), p, "/gate")
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	gaveUp := map[int]bool{3: true, 4: true, 9: true}
	cancels := map[int]context.CancelFunc{}
	errs := make(chan error, n)
	for i := range n {
		ctx := testCtx(t, 10*time.Second)
		if gaveUp[i] {
			ctx, cancels[i] = context.WithCancel(ctx)
		}
		go func() {
			resp, err := get(ctx, p, fmt.Sprintf("/id?i=%d", i))
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if gaveUp[i] != (err != nil) {
				err = fmt.Errorf("request %d: %v (gave up: %v)", i, err, gaveUp[i])
			} else {
				err = nil
			}
			errs <- err
		}()
		waitForWaiters(t, p, i+1) // each one waits before the next begins
	}
	for _, cancel := range cancels {
		cancel()
	}
	waitForWaiters(t, p, n-len(gaveUp))
	close(gate)
	readAll(t, held)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	want := []string{"0", "1", "2", "5", "6", "7", "8", "10", "11"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("served in the order %v, want %v", order, want)
	}
}

// waitForWaiters returns once n requests wait for a slot of p.
func waitForWaiters(t *testing.T, p *Pool, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		w := len(p.waiters)
		p.mu.Unlock()
		if w == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests wait for a slot, want %d", w, n)
		}
		runtime.Gosched()
	}
}

// A waiter that gives up after it was granted a slot passes the slot on: the next
// waiter gets it at once, not when some other request ends.
func TestGrantedSlotOfAGivenUpWaiterGoesOn(t *testing.T) {
	p := NewPool(Options{})
	p.Add(1, "unix", filepath.Join(t.TempDir(), "none.sock"), 1, true)
	held, err := p.acquire(testCtx(t, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	first := &waiter{grant: make(chan grant, 1)}
	p.mu.Lock()
	p.waiters = append(p.waiters, first)
	p.mu.Unlock()
	got := make(chan error, 1)
	go func() {
		_, err := p.acquire(testCtx(t, 5*time.Second))
		got <- err
	}()
	waitForWaiters(t, p, 2)
	p.mu.Lock()
	p.release(held) // granted to the first waiter, which gives up before it takes it
	p.mu.Unlock()
	p.giveUp(first)
	if err := <-got; err != nil {
		t.Fatalf("the second waiter: %v, want the slot the first gave up", err)
	}
}
