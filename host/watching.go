package host

import (
	"context"
	"strings"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host/watch"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// watch runs the app's file watcher, when its configuration asks for one, and posts
// each burst of changes as one reload command.
func (a *app) watch(ctx context.Context, runDir string) {
	c := a.spec.cfg
	if len(c.WatchMasks) == 0 && c.WatchRegex == "" {
		return
	}
	opts := watch.Options{Root: c.Root, Masks: c.WatchMasks, Regex: c.WatchRegex, Ignore: []string{runDir}}
	if c.ErrorLogDir != "" {
		opts.Ignore = append(opts.Ignore, c.ErrorLogDir)
	}
	for _, f := range []string{c.DeployLog, c.ErrorLogFile} {
		if f != "" {
			opts.IgnoreFiles = append(opts.IgnoreFiles, f)
		}
	}
	w, err := watch.New(opts)
	if err != nil {
		a.logf(event.LevelError, "watch %s: %v; saving files will not reload the app", c.Root, err)
		return
	}
	go w.Run(ctx)
	how := w.Mode()
	if !hasVar(c.Env, config.VarWatchMask) && c.WatchRegex == "" {
		how += "; the default: WATCH_FILE_CHANGES_MASK = \"\" turns reload on save off"
	}
	a.logf(event.LevelInfo, "watching %s for %s (%s)", c.Root, describeMasks(c.WatchMasks, c.WatchRegex), how)
	warnings := w.Warnings()
	for {
		select {
		case ch, ok := <-w.Changes():
			if !ok {
				return
			}
			a.change(ch.Files, ch.First)
		case msg, ok := <-warnings:
			if !ok {
				warnings = nil
				continue
			}
			a.logf(event.LevelWarn, "watch: %s", msg)
		case <-ctx.Done():
			return
		}
	}
}

func hasVar(env []config.EnvVar, name string) bool {
	for _, v := range env {
		if strings.EqualFold(v.Name, name) {
			return true
		}
	}
	return false
}

func describeMasks(masks []string, regex string) string {
	parts := append([]string(nil), masks...)
	if regex != "" {
		parts = append(parts, "regex "+regex)
	}
	return strings.Join(parts, " ")
}
