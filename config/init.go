package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StarterFiles are the names Init writes, in order: a stdlib WSGI app, its deploy
// script, and the same settings as web.config and as zoo.toml.
var StarterFiles = []string{"wsgi.py", "deploy.py", WebConfigName, TOMLName}

// Init writes the starter project (StarterFiles, read from starter) into dir,
// creating dir when needed. It refuses to overwrite: if any starter file exists,
// nothing is written. The binary passes the sample project it embeds.
func Init(dir string, starter fs.FS) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create folder: %w", err)
	}
	for _, name := range StarterFiles {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s already exists; init never overwrites files, so move it away or pick an empty folder", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check %s: %w", p, err)
		}
	}
	for _, name := range StarterFiles {
		data, err := fs.ReadFile(starter, name)
		if err != nil {
			return fmt.Errorf("read starter: %w", err)
		}
		if err := writeNew(filepath.Join(dir, name), data); err != nil {
			return fmt.Errorf("write starter: %w", err)
		}
	}
	return nil
}

// writeNew creates one file with data, failing if it appeared meanwhile.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// InitFound writes a config for the app Discover finds in dir, and nothing else:
// zoo.toml, or web.config in Helicon Zoo's form when webConfig is set. It never
// overwrites a file. It returns the file written and the app.
func InitFound(dir string, webConfig bool) (string, *Found, error) {
	f, err := Discover(dir)
	if err != nil {
		return "", nil, err
	}
	name, data := TOMLName, f.TOML()
	if webConfig {
		name, data = WebConfigName, f.WebConfig()
	}
	p := filepath.Join(f.Dir, name)
	if err := writeNew(p, data); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", nil, fmt.Errorf("%s already exists; init never overwrites files: edit it, or move it away and run init again", p)
		}
		return "", nil, fmt.Errorf("write %s: %w", p, err)
	}
	return p, f, nil
}
