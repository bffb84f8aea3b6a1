package host

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/zoo-dev/zoo-dev/config"
)

// appSpec is what every part of an app's hosting needs from its configuration,
// computed once: the environment its processes run with and where files go.
type appSpec struct {
	cfg    *config.App
	engine *config.Engine // a custom engine from zoo.toml; nil for the Python worker
	env    []string       // os.Environ overridden by the app's variables
	runDir string         // private 0700 folder for worker sockets
	script string         // the installed worker.py

	transport *transport // how zoo-dev reaches its workers
}

func newAppSpec(a *config.App, e *config.Engine, runDir, script string) *appSpec {
	return &appSpec{cfg: a, engine: e, env: appEnv(a), runDir: runDir, script: script}
}

// appEnv is zoo-dev's environment with the app's variables set over it, as IIS does,
// plus unbuffered Python output so a print shows at once.
func appEnv(a *config.App) []string {
	set := map[string]string{"PYTHONUNBUFFERED": "1"}
	order := []string{"PYTHONUNBUFFERED"}
	for _, v := range a.Env {
		if _, ok := set[v.Name]; !ok {
			order = append(order, v.Name)
		}
		set[v.Name] = v.Value
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, ok := set[name]; !ok {
			env = append(env, kv)
		}
	}
	for _, name := range order {
		env = append(env, name+"="+set[name])
	}
	return env
}

// rel names a file relative to the app root when it is inside it.
func (s *appSpec) rel(path string) string {
	if r, err := filepath.Rel(s.cfg.Root, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}
