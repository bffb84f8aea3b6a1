package config

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// starter is the project `zoo-dev init` writes: a stdlib WSGI app, its deploy
// script, and the same settings as web.config and as zoo.toml.
//
//go:embed starter/wsgi.py starter/deploy.py starter/web.config starter/zoo.toml
var starter embed.FS

// StarterFiles are the names Init writes, in order.
var StarterFiles = []string{"wsgi.py", "deploy.py", WebConfigName, TOMLName}

// StarterFile returns the content of one starter file (for tests and tools).
func StarterFile(name string) ([]byte, error) {
	return starter.ReadFile("starter/" + name)
}

// Init writes the starter project into dir, creating dir when needed. It
// refuses to overwrite: if any starter file exists, nothing is written.
func Init(dir string) error {
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
		if err := writeNew(filepath.Join(dir, name), name); err != nil {
			return fmt.Errorf("write starter: %w", err)
		}
	}
	return nil
}

// writeNew creates one file from the starter, failing if it appeared meanwhile.
func writeNew(path, name string) error {
	data, err := StarterFile(name)
	if err != nil {
		return err
	}
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
