package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestHeadlessColoursInTmux: headless lines on a terminal colour the status code
// (green for a 200, yellow for a 404); with NO_COLOR they have no colour at all.
func TestHeadlessColoursInTmux(t *testing.T) {
	listen := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)/`)
	for _, tc := range []struct {
		name   string
		env    []string
		colour bool
	}{
		{"a terminal", nil, true},
		{"NO_COLOR", []string{"NO_COLOR=1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := startInTmux(t, 160, 30, tc.env, copyDir(t, "sample"), "--no-tui", "--listen", "127.0.0.1:0")
			base := m.waitScreen(listen, 30*time.Second)[1]
			m.waitScreen(regexp.MustCompile(`state RUNNING`), 30*time.Second)
			for _, path := range []string{"/", "/nope"} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			m.waitScreen(regexp.MustCompile(`GET /nope 404`), 10*time.Second)
			coloured := m.mustTmux("capture-pane", "-p", "-e")
			green := regexp.MustCompile(`GET / \x1b\[32m200\x1b\[39m \d+B`)
			yellow := regexp.MustCompile(`GET /nope \x1b\[33m404\x1b\[39m`)
			if tc.colour && (!green.MatchString(coloured) || !yellow.MatchString(coloured)) {
				t.Errorf("no coloured status codes:\n%q", coloured)
			}
			if !tc.colour && strings.Contains(coloured, "\x1b[") {
				t.Errorf("colours despite NO_COLOR:\n%q", coloured)
			}
		})
	}
}
