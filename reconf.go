package main

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// configQuiet is how long the config file must stay unchanged after a save before
// it is loaded again: an editor's save is often several writes.
const configQuiet = 100 * time.Millisecond

// reconfigurer is the part of the host an edited config is applied to.
type reconfigurer interface {
	Reconfigure(site *config.Site, apps []string) error
}

// configWatch applies saves of the config file a run loaded to the running apps.
type configWatch struct {
	site   *config.Site // what runs: the last load that was applied
	limits *limitFlags  // the command line's limits, over every load
	listen string       // --listen, which wins over the file's
	host   reconfigurer
	bus    *event.Bus
	broken bool // the last save did not load
}

// run watches the folder of the config file (editors save by renaming a new file
// over the old one) until ctx is done.
func (cw *configWatch) run(ctx context.Context) {
	file := cw.site.File
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(filepath.Dir(file))
	}
	if err != nil {
		cw.say(event.LevelWarn, fmt.Sprintf("%s: cannot watch it (%v): edits to it take a restart of zoo-dev", file, err))
		if w != nil {
			w.Close()
		}
		return
	}
	defer w.Close()
	var quiet <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) == file && !ev.Has(fsnotify.Chmod) {
				quiet = time.After(configQuiet)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			cw.say(event.LevelWarn, fmt.Sprintf("%s: watching it: %v", file, err))
		case <-quiet:
			quiet = nil
			cw.changed()
		}
	}
}

// changed loads the file again and applies what changed: new settings of apps
// start a new generation of them; what only a restart can change is named in a
// warning and nothing changes; a file that no longer loads leaves the apps serving.
func (cw *configWatch) changed() {
	cur, ch, err := config.Reload(cw.site)
	if err != nil {
		cw.broken = true
		cw.say(event.LevelError, firstLine(err.Error())+"; the apps keep running with the last settings that loaded")
		return
	}
	cw.limits.apply(&cur.Limits)
	restart := cw.restartOnly(cur, ch)
	switch {
	case len(restart) > 0:
		cw.say(event.LevelWarn, fmt.Sprintf("%s: %s: that takes a restart of zoo-dev; nothing was applied",
			cur.File, strings.Join(restart, ", ")))
	case len(ch.Changed) == 0:
		if cw.broken {
			cw.say(event.LevelInfo, fmt.Sprintf("%s loads again, with the settings that run", cur.File))
		}
		cw.site = cur
	default:
		if err := cw.host.Reconfigure(cur, ch.Changed); err != nil {
			cw.say(event.LevelWarn, fmt.Sprintf("%s: %v; nothing was applied", cur.File, err))
			break
		}
		cw.say(event.LevelInfo, fmt.Sprintf("%s changed: new settings for %s", cur.File, strings.Join(ch.Changed, ", ")))
		cw.site = cur
	}
	cw.broken = false
}

// restartOnly names what changed that a running zoo-dev cannot apply.
func (cw *configWatch) restartOnly(cur *config.Site, ch config.Change) []string {
	var out []string
	for _, n := range ch.Added {
		out = append(out, "app "+n+" added")
	}
	for _, n := range ch.Removed {
		out = append(out, "app "+n+" removed")
	}
	if ch.Listen && cw.listen == "" {
		out = append(out, "listen changed")
	}
	if !reflect.DeepEqual(cw.site.Limits, cur.Limits) {
		out = append(out, "limits changed")
	}
	if ch.Static {
		out = append(out, "static folders changed")
	}
	if cw.site.NoLiveReload != cur.NoLiveReload {
		out = append(out, "live_reload changed")
	}
	before := map[string]*config.App{}
	for _, a := range cw.site.Apps {
		before[a.Name] = a
	}
	for _, n := range ch.Changed {
		var a *config.App
		for _, c := range cur.Apps {
			if c.Name == n {
				a = c
			}
		}
		out = append(out, frontSettings(before[n], a)...)
	}
	return out
}

// frontSettings names the settings of an app that the HTTP front or the log files
// took at start, which a new generation cannot change.
func frontSettings(old, cur *config.App) []string {
	var out []string
	add := func(differ bool, what string) {
		if differ {
			out = append(out, fmt.Sprintf("app %s's %s changed", cur.Name, what))
		}
	}
	add(old.Path != cur.Path, "path")
	add(old.RequestTimeout != cur.RequestTimeout, "request timeout")
	add(old.StartTimeout != cur.StartTimeout, "start timeout")
	add(old.ErrorLogDir != cur.ErrorLogDir || old.ErrorLogFile != cur.ErrorLogFile, "error log")
	return out
}

func (cw *configWatch) say(lvl event.Level, text string) {
	cw.bus.Publish(event.Event{App: event.Site, Kind: event.KindLog, Source: event.SourceZoo, Level: lvl, Text: text})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
