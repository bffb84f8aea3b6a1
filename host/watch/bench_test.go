package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkSaveToChange measures the time from writing a file to receiving its Change: the
// watcher's share of save-to-served. Mostly the debounce.
func BenchmarkSaveToChange(b *testing.B) {
	for _, debounce := range []time.Duration{10 * time.Millisecond, 50 * time.Millisecond} {
		b.Run(fmt.Sprint("debounce=", debounce), func(b *testing.B) {
			root := b.TempDir()
			w, err := New(Options{Root: root, Masks: []string{"*.py"}, Debounce: debounce})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go w.Run(ctx)
			p := filepath.Join(root, "app.py")
			for i := 0; b.Loop(); i++ {
				if err := os.WriteFile(p, []byte(fmt.Sprint(i)), 0o644); err != nil {
					b.Fatal(err)
				}
				select {
				case <-w.Changes():
				case <-time.After(5 * time.Second):
					b.Fatal("no change")
				}
			}
		})
	}
}
