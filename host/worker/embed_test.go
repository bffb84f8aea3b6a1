package worker

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	path, err := Install(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(path), "worker-") || filepath.Ext(path) != ".py" {
		t.Fatalf("installed as %s, want worker-<hash>.py", path)
	}
	tests := []struct {
		name    string
		prepare func()
	}{
		{"reused when present", func() {}},
		{"rewritten when damaged", func() { os.WriteFile(path, []byte("garbage"), 0o644) }},
		{"rewritten when removed", func() { os.Remove(path) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.prepare()
			again, err := Install(dir)
			if err != nil || again != path {
				t.Fatalf("Install again: %s, %v; want %s", again, err, path)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, Source) {
				t.Fatalf("installed file differs from Source")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("cache holds %d files, want 1 (no temp files left)", len(entries))
			}
		})
	}
}
