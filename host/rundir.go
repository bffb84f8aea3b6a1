package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The run folder holds an app's worker sockets and preload lists. It is private
// (0700), named zoo-dev-run-* in the temporary folder, and holds an owner file
// with zoo-dev's pid. Run removes it when it ends; a zoo-dev killed outright
// cannot, so every start removes the run folders whose owner has exited.
const (
	runDirPattern = "zoo-dev-run-"
	ownerFile     = "owner"
)

// makeRunDir removes the run folders left by zoo-dev processes that are gone, then
// creates this process's own.
func makeRunDir() (string, error) {
	removeStaleRunDirs(os.TempDir())
	dir, err := os.MkdirTemp("", runDirPattern)
	if err != nil {
		return "", fmt.Errorf("create the run folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("create the run folder: %w", err)
	}
	return dir, nil
}

// removeStaleRunDirs removes the run folders in tmp whose owner process has exited.
// Folders without an owner file, or whose owner runs, are left alone.
func removeStaleRunDirs(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, runDirPattern+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err == nil && pid > 0 && pid != os.Getpid() && processGone(pid) {
			os.RemoveAll(d)
		}
	}
}
