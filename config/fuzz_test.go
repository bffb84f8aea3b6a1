package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzLoad loads data as file in dir with a fake interpreter look-up and
// checks the contract: a site with apps, or one *Error on one line.
func fuzzLoad(t *testing.T, file string, data []byte) {
	s, err := loadBytes(file, data, onlyPython3())
	if err != nil {
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || ce.Line < 0 || ce.Col < 0 {
			t.Fatalf("not one line with a position: %q", msg)
		}
		return
	}
	if len(s.Apps) == 0 {
		t.Fatal("no error and no apps")
	}
	for _, a := range s.Apps {
		if a.MinWorkers > a.MaxWorkers || a.MaxWorkers < 1 || a.Threads < 1 || !strings.HasPrefix(a.Path, "/") {
			t.Fatalf("invalid app passed validation: %+v", a)
		}
	}
}

func FuzzLoadWebConfig(f *testing.F) {
	for _, tc := range badWebConfigs {
		f.Add([]byte(tc.content))
	}
	seeds, err := filepath.Glob("testdata/*/web.config")
	if err != nil || len(seeds) < 10 {
		f.Fatalf("seeds %q: %v", seeds, err)
	}
	for _, p := range append(seeds, "../sample/web.config", "testdata/helicon-early/static/web.config") {
		f.Add(readFile(f, p))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzLoad(t, filepath.Join(dir, "web.config"), data)
	})
}

func FuzzLoadTOML(f *testing.F) {
	for _, tc := range badTOMLs {
		f.Add([]byte(tc.content))
	}
	f.Add([]byte(fullTOML))
	f.Add([]byte("[[app]]\nname = \"api\"\nengine = \"uvicorn\"\n[engines.uvicorn]\ncommand = \"uvicorn\"\nargs = [\"main:app\", \"--port\", \"%PORT%\"]\nprotocol = \"http\"\nport_env = [\"PORT\", \"APP_PORT\"]\n"))
	f.Add(readFile(f, "../sample/zoo.toml"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzLoad(t, filepath.Join(dir, "zoo.toml"), data)
	})
}
