// Package worker holds zoo-dev's Python FastCGI WSGI worker (worker.py, stdlib only, Python >= 3.8)
// and writes it to a cache folder so the host can run it.
//
// The host starts a worker exactly like this (a contract shared with worker.py):
//
//	python3 -u worker.py --app MODULE:ATTR|MODULE.ATTR  (or --django SETTINGS_MODULE)
//	    --root DIR           app folder: sys.path[0] and the working directory
//	    --bind unix:/path/to/sock | tcp:127.0.0.1:PORT   (PORT 0 picks a free port)
//	    --threads N          requests served at once (default 4)
//	    --max-conns N        connections open at once, idle kept ones included (default 64)
//	    --status-fd N        pipe to the parent: one JSON line, then the fd is closed:
//	                         {"event":"ready","pid":P,"bind":"unix:/..."}
//	                         {"event":"import_error","pid":P,"traceback":"..."}  exit status 3
//	                         {"event":"bind_error","pid":P,"error":"..."}        exit status 4
//	    --status-stdout      the same line on stdout after "zoo-dev-status: " (every OS has
//	                         stdout; fd 3 is a unix idea); stdout stays open
//	    --lifeline           stdin is a pipe from the parent: a line "stop" stops the worker as
//	                         SIGTERM does, EOF ends it at once
//	    --preload-file F     import the modules listed in F (one a line) first
//	    --hold               then wait for a line "go" on stdin before importing the app:
//	                         a spare started ahead of a reload
//
// The ready line also carries "modules": the libraries the worker loaded (the standard
// library and site-packages, not the app's own code), which the host preloads in spares.
//
// With ZOO_DEV_TOKEN in its environment the worker answers 403, without running the app, every
// request whose ZOO_DEV_TOKEN param does not match; the app never sees the variable or the param.
//
// SIGTERM or SIGINT: stop accepting, finish in-flight requests (up to 10 s), exit 0. The worker
// answers FCGI_GET_VALUES with FCGI_MAX_CONNS = max-conns, FCGI_MAX_REQS = threads and
// FCGI_MPXS_CONNS = 0.
package worker

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// Source is the text of worker.py.
//
//go:embed worker.py
var Source []byte

// Install writes worker.py into cacheDir under a name derived from its content
// (worker-<sha256 prefix>.py), so workers of different zoo-dev versions never share a file and a
// present file is reused. The write is atomic: a temp file renamed into place. It returns the path.
func Install(cacheDir string) (string, error) {
	sum := sha256.Sum256(Source)
	path := filepath.Join(cacheDir, "worker-"+hex.EncodeToString(sum[:6])+".py")
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, Source) {
		return path, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("install worker: %w", err)
	}
	tmp, err := os.CreateTemp(cacheDir, ".worker-*.py")
	if err != nil {
		return "", fmt.Errorf("install worker: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(Source); err != nil {
		tmp.Close()
		return "", fmt.Errorf("install worker: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("install worker: close %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("install worker: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("install worker: %w", err)
	}
	return path, nil
}
