package host

import (
	"context"
	"slices"
	"strings"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host/watch"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// watch runs the app's file watcher, when its configuration c asks for one, and
// posts each burst of changes as one reload command. An edited configuration
// (on a.rewatch) replaces the watcher with one for the new settings.
func (a *app) watch(ctx context.Context, runDir string, c *config.App) {
	for c != nil {
		c = a.watchWith(ctx, runDir, c)
	}
}

// watchWith watches as c says until ctx is done (it returns nil) or a new
// configuration arrives (it returns it).
func (a *app) watchWith(ctx context.Context, runDir string, c *config.App) *config.App {
	if len(c.WatchMasks) == 0 && c.WatchRegex == "" {
		select {
		case next := <-a.rewatch:
			return next
		case <-ctx.Done():
			return nil
		}
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
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
		select {
		case next := <-a.rewatch:
			return next
		case <-ctx.Done():
			return nil
		}
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
				return nil
			}
			a.change(c, ch.Files, ch.First)
		case msg, ok := <-warnings:
			if !ok {
				warnings = nil
				continue
			}
			a.logf(event.LevelWarn, "watch: %s", msg)
		case next := <-a.rewatch:
			return next
		case <-ctx.Done():
			return nil
		}
	}
}

// sameWatch reports that a watcher made for a serves b as well: the same folder,
// masks, ignored files and deploy script.
func sameWatch(a, b *config.App) bool {
	return a.Root == b.Root && slices.Equal(a.WatchMasks, b.WatchMasks) && a.WatchRegex == b.WatchRegex &&
		a.ErrorLogDir == b.ErrorLogDir && a.DeployLog == b.DeployLog && a.ErrorLogFile == b.ErrorLogFile &&
		a.DeployFile == b.DeployFile
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
