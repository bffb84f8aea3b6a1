package fcgi

import (
	"context"
	"errors"
	"io"
	"path/filepath"
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
