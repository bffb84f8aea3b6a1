package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// The interpreters that ran, kept across runs in the user's cache folder
// (zoo-dev/interpreters.json), so that a start runs no interpreter of its own
// before the app's workers: the probe costs about 100 ms, a quarter of a cold
// start. Only native executables are kept: a script in front of Python (a pyenv
// shim, a .bat) may pick another version from the folder or the environment on
// the next run, so it is run every time. An entry holds while the executable's
// path, size and modification time stay the same.
var diskProbes = probeFile{path: probeFilePath()}

// probeFile is the JSON file of kept probes: key → [sys.executable, "X.Y"].
type probeFile struct {
	path string // "" when there is no cache folder
	once sync.Once
	mu   sync.Mutex
	m    map[string][2]string
}

func probeFilePath() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "zoo-dev", "interpreters.json")
}

// diskKey names cmd by its real file, size and time; ok is false for anything
// but a native executable.
func diskKey(cmd, dir string) (string, bool) {
	real, err := filepath.EvalSymlinks(cmd)
	if err != nil {
		return "", false
	}
	fi, err := os.Stat(real)
	if err != nil || !fi.Mode().IsRegular() || !nativeExecutable(real) {
		return "", false
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d", cmd, dir, real, fi.Size(), fi.ModTime().UnixNano()), true
}

// nativeExecutable reports whether the file starts like an ELF, Mach-O or PE binary.
func nativeExecutable(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return false
	}
	for _, magic := range [][]byte{{0x7f, 'E', 'L', 'F'}, {0xcf, 0xfa, 0xed, 0xfe}, {0xce, 0xfa, 0xed, 0xfe},
		{0xca, 0xfe, 0xba, 0xbe}, {'M', 'Z'}} {
		if bytes.HasPrefix(b[:], magic) {
			return true
		}
	}
	return false
}

func (p *probeFile) load() {
	p.once.Do(func() {
		p.m = map[string][2]string{}
		if p.path == "" {
			return
		}
		if b, err := os.ReadFile(p.path); err == nil {
			json.Unmarshal(b, &p.m) // a damaged file is a cold cache
		}
	})
}

func (p *probeFile) get(key string) (exe, version string, ok bool) {
	p.load()
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.m[key]
	return v[0], v[1], ok
}

// put keeps a probe; the file is replaced whole, so a reader never sees half of it.
func (p *probeFile) put(key, exe, version string) {
	p.load()
	if p.path == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[key] = [2]string{exe, version}
	b, err := json.Marshal(p.m)
	if err != nil || os.MkdirAll(filepath.Dir(p.path), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), "interpreters-*.json")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), p.path) != nil {
		os.Remove(tmp.Name())
	}
}
