package event

import (
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{App: Site, Kind: KindLog, Source: SourceZoo, Text: "listening on http://127.0.0.1:8080/"},
			"zoo: listening on http://127.0.0.1:8080/"},
		{Event{App: Site, Kind: KindLog, Source: SourceZoo, Level: LevelWarn, Text: "using zoo.toml"},
			"zoo warning: using zoo.toml"},
		{Event{App: "blog", Kind: KindLog, Source: SourceStderr, Worker: 42, Text: "oops"},
			"[blog] stderr 42: oops"},
		{Event{App: "blog", Kind: KindState, State: StateRunning, Text: "generation 1, 1 worker(s)"},
			"[blog] state RUNNING: generation 1, 1 worker(s)"},
		{Event{App: "blog", Kind: KindRequest, Request: &RequestInfo{Method: "GET", Path: "/", Status: 200, Bytes: 2, Duration: time.Millisecond, Worker: 7}},
			"[blog] GET / 200 2B 1ms pid=7"},
		{Event{App: "blog", Kind: KindReload, Reload: &ReloadInfo{Trigger: "restart", Gen: 3, Err: "import failed"}},
			"[blog] reload: after restart, new code failed, still serving generation 3: import failed"},
	} {
		if got := tc.e.Line(); got != tc.want {
			t.Errorf("Line() = %q, want %q", got, tc.want)
		}
	}
}
