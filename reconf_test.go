package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// fakeHost records what the config watch asks of the host.
type fakeHost struct{ calls [][]string }

func (f *fakeHost) Reconfigure(site *config.Site, apps []string) error {
	f.calls = append(f.calls, apps)
	return nil
}

const reconfBase = `
[[app]]
name = "a"
engine = "python.3.wsgi"
[app.env]
WSGI_APP = "app.application"
GREETING = "one"
`

// Each save of the real file is loaded and compared with what runs: a changed
// variable goes to the host; what takes a restart is one warning and nothing is
// applied; a broken file is one positioned error and what runs stays.
func TestConfigWatchChanged(t *testing.T) {
	for _, tc := range []struct {
		name, edit string
		listenFlag string
		reconf     string // the apps the host is given, "" for no call
		line       string // the one line published, as a regexp
		level      event.Level
		applied    bool // the running site becomes the edited one
	}{
		{name: "variable", edit: strings.Replace(reconfBase, `"one"`, `"two"`, 1), reconf: "a",
			line: `zoo\.toml changed: new settings for a$`, level: event.LevelInfo, applied: true},
		{name: "workers", edit: strings.Replace(reconfBase, `engine`, "min_workers = 2\nmax_workers = 2\nengine", 1), reconf: "a",
			line: `new settings for a$`, level: event.LevelInfo, applied: true},
		{name: "app added", edit: reconfBase + strings.Replace(reconfBase, `"a"`, "\"b\"\npath = \"/b\"", 1),
			line: `zoo\.toml: app b added: that takes a restart of zoo-dev; nothing was applied$`, level: event.LevelWarn},
		{name: "listen and variable", edit: "listen = \"127.0.0.1:9\"\n" + strings.Replace(reconfBase, `"one"`, `"two"`, 1),
			line: `: listen changed: that takes a restart`, level: event.LevelWarn},
		{name: "listen under --listen", edit: "listen = \"127.0.0.1:9\"\n" + reconfBase, listenFlag: "127.0.0.1:0",
			applied: true},
		{name: "limits", edit: "max_body_size = \"1MiB\"\n" + reconfBase,
			line: `: limits changed: that takes a restart`, level: event.LevelWarn},
		{name: "path", edit: strings.Replace(reconfBase, `engine`, "path = \"/x\"\nengine", 1),
			line: `: app a's path changed: that takes a restart`, level: event.LevelWarn},
		{name: "broken", edit: strings.Replace(reconfBase, `engine`, "min_workers = \"two\"\nengine", 1),
			line: `zoo\.toml:\d+:\d+: .*; the apps keep running with the last settings that loaded$`, level: event.LevelError},
		{name: "unchanged", edit: reconfBase + "\n# a comment\n", applied: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "zoo.toml")
			if err := os.WriteFile(file, []byte(reconfBase), 0o644); err != nil {
				t.Fatal(err)
			}
			site, err := config.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			bus := event.NewBus()
			sub := bus.Subscribe(64)
			defer sub.Close()
			h := &fakeHost{}
			cw := &configWatch{site: site, listen: tc.listenFlag, host: h, bus: bus}
			if err := os.WriteFile(file, []byte(tc.edit), 0o644); err != nil {
				t.Fatal(err)
			}
			cw.changed()

			var calls []string
			for _, c := range h.calls {
				calls = append(calls, strings.Join(c, ","))
			}
			if got := strings.Join(calls, ";"); got != tc.reconf {
				t.Errorf("host reconfigured %q, want %q", got, tc.reconf)
			}
			evs, _ := sub.Drain(nil)
			switch {
			case tc.line == "" && len(evs) != 0:
				t.Errorf("published %q, want nothing", evs[0].Text)
			case tc.line != "" && len(evs) != 1:
				t.Errorf("published %d lines, want one matching %q: %+v", len(evs), tc.line, evs)
			case tc.line != "":
				if e := evs[0]; !regexp.MustCompile(tc.line).MatchString(e.Text) || e.Level != tc.level {
					t.Errorf("published %q (level %v), want %q (level %v)", e.Text, e.Level, tc.line, tc.level)
				}
			}
			if applied := cw.site != site; applied != tc.applied {
				t.Errorf("the edited site applied: %v, want %v", applied, tc.applied)
			}
		})
	}
}
