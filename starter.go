package main

import (
	"embed"
	"io/fs"
)

// sample is the project in sample/, which `zoo-dev init` writes as a starter.
//
//go:embed sample/wsgi.py sample/deploy.py sample/web.config sample/zoo.toml
var sample embed.FS

func starter() fs.FS {
	sub, err := fs.Sub(sample, "sample")
	if err != nil {
		panic(err) // a constant path into an embedded tree
	}
	return sub
}
