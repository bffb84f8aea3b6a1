package config

import (
	"os"
	"path/filepath"
	"testing"
)

// A probe kept on disk is read back by the next run, keyed on the executable's
// file; a script in front of Python is never kept.
func TestProbeCacheKeepsNativeExecutablesAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	bin, err := os.Executable() // the test binary: a native executable
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "python")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	key, ok := diskKey(link, dir)
	if !ok {
		t.Fatalf("%s (a link to the test binary) is not taken for a native executable", link)
	}
	path := filepath.Join(dir, "cache", "interpreters.json")
	first := &probeFile{path: path}
	first.put(key, link, "3.11")

	next := &probeFile{path: path} // a later run
	if exe, version, ok := next.get(key); !ok || exe != link || version != "3.11" {
		t.Fatalf("next run got %q %q %v, want %q 3.11", exe, version, ok, link)
	}
	if _, _, ok := next.get(key + "x"); ok {
		t.Fatal("an unknown key was found")
	}

	script := filepath.Join(dir, "python3")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec python3.11 \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := diskKey(script, dir); ok {
		t.Fatal("a shell script (a pyenv-style shim) would be kept; it may run another version next time")
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := (&probeFile{path: path}).get(key); ok {
		t.Fatal("a damaged cache file gave an answer")
	}
}
