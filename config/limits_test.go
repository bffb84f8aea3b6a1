package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

const limitsApp = "\n[[app]]\nname = \"site\"\n[app.env]\nWSGI_APP = \"app.application\"\n"

// TestLimitsFromTOML reads every limit key and keeps the defaults for the rest.
func TestLimitsFromTOML(t *testing.T) {
	for _, tc := range []struct {
		name, top string
		want      func(*Limits)
	}{
		{"none", "", func(*Limits) {}},
		{"all", `max_body_size = "10MiB"
body_timeout = "5s"
write_timeout = "7s"
idle_timeout = "9s"
max_header_size = 16384
allowed_hosts = ["MyApp.test", "*.example.test"]
stream_uploads = true
`, func(l *Limits) {
			l.MaxBodySize, l.BodyTimeout, l.WriteTimeout, l.IdleTimeout = 10<<20, 5*time.Second, 7*time.Second, 9*time.Second
			l.MaxHeaderSize, l.AllowedHosts, l.StreamUploads = 16384, []string{"myapp.test", "*.example.test"}, true
		}},
		{"bytes", "max_body_size = 1000\n", func(l *Limits) { l.MaxBodySize = 1000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"zoo.toml": tc.top + limitsApp, "app.py": ""})
			s, err := load(dir, onlyPython3())
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultLimits()
			tc.want(&want)
			if !reflect.DeepEqual(s.Limits, want) {
				t.Errorf("limits = %+v, want %+v", s.Limits, want)
			}
		})
	}
}

// TestLimitsBadValues: each mistake is one line naming the file, line, key and fix.
func TestLimitsBadValues(t *testing.T) {
	for _, tc := range []struct{ top, want string }{
		{`max_body_size = "ten"` + "\n", `zoo.toml:1:1: max_body_size "ten": not a size; use a positive number of bytes or e.g. "512KiB"`},
		{"max_body_size = -1\n", `zoo.toml:1:1: max_body_size "-1": must be a positive number of bytes`},
		{"max_header_size = 2000000\n", `zoo.toml:1:1: max_header_size "2000000": must be between 4KiB and 512KiB`},
		{"body_timeout = 5\n", `zoo.toml:1:1: body_timeout "5": must be a duration in quotes such as "60s"`},
		{`allowed_hosts = "x.test"` + "\n", `zoo.toml:1:1: allowed_hosts "x.test": must be a list of host names`},
		{"stream_uploads = 1\n", `zoo.toml:1:1: stream_uploads "1": must be true or false`},
		{"alowed_hosts = []\n", `zoo.toml:1:1: alowed_hosts: unknown key; known keys here: listen, live_reload, app, engines, max_body_size`},
	} {
		dir := writeProject(t, map[string]string{"zoo.toml": tc.top + limitsApp, "app.py": ""})
		_, err := load(dir, onlyPython3())
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want it to contain %q", tc.top, err, tc.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "512KiB": 512 << 10, "10 MiB": 10 << 20, "1g": 1 << 30, "64kb": 64 << 10, "7B": 7} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5", "MiB", "1.5MiB", "10 TB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}
