package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// envApp answers with the GREETING variable zoo-dev gives it.
const envApp = `import os

def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [os.environ.get('GREETING', 'unset').encode()]
`

const reconfTOML = `[[app]]
name = "greet"
engine = "python.3.wsgi"
min_workers = 2
max_workers = 2

[app.env]
WSGI_APP = "app.application"
WATCH_FILE_CHANGES_MASK = "*.py"
GREETING = "%s"
`

const reconfWebConfig = `<configuration><system.webServer>
  <heliconZoo>
    <application name="greet">
      <environmentVariables>
        <add name="WSGI_APP" value="app.application" />
        <add name="WATCH_FILE_CHANGES_MASK" value="*.py" />
        <add name="GREETING" value="%s" />
      </environmentVariables>
    </application>
  </heliconZoo>
  <handlers>
    <add name="greet" scriptProcessor="python.3.wsgi" path="*" verb="*" modules="HeliconZoo_x64" resourceType="Unspecified" />
  </handlers>
</system.webServer></configuration>
`

// A changed variable in the config file reaches the app under load with no failed
// request; a config that no longer loads is one positioned error line and the app
// keeps serving the last settings.
func TestReconfigureOnConfigSave(t *testing.T) {
	for _, tc := range []struct {
		file, form, broken string
	}{
		{"zoo.toml", reconfTOML, "[[app]]\nname = \"greet\"\nmin_workers = \"two\"\n"},
		{"web.config", reconfWebConfig, "<configuration><system.webServer>\n  <heliconZoo>\n    <application name=\"greet\">\n</configuration>\n"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, tc.file)
			if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(envApp), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfg, []byte(fmt.Sprintf(tc.form, "one")), 0o644); err != nil {
				t.Fatal(err)
			}
			z := startZoo(t, dir)
			z.waitLine(regexp.MustCompile(`state RUNNING`), 60*time.Second)
			if _, body := z.get("/"); body != "one" {
				t.Fatalf("before the edit: %q, want one", body)
			}

			l := startLoad(z, 4, 0, "two", statusOK)
			for steady := time.Now().Add(30 * time.Second); l.ok.Load() < 50; { // the load runs before the save
				if time.Now().After(steady) {
					t.Fatalf("%d requests served in 30 s before the save; first failure: %v", l.ok.Load(), l.firstErr.Load())
				}
				time.Sleep(10 * time.Millisecond)
			}
			saved := time.Now()
			if err := os.WriteFile(cfg, []byte(fmt.Sprintf(tc.form, "two")), 0o644); err != nil {
				t.Fatal(err)
			}
			line := z.waitLine(regexp.MustCompile(`reload: `+regexp.QuoteMeta(tc.file)+` changed, serving new code`), 60*time.Second)
			deadline := time.Now().Add(20 * time.Second)
			for l.sawWant.Load() == 0 && time.Now().Before(deadline) {
				z.waitNext(100 * time.Millisecond)
			}
			l.end(t, "while the config was applied")
			if l.sawWant.Load() == 0 {
				t.Fatalf("no answer with the new GREETING after %q", line)
			}
			t.Logf("%s: save to served %d ms under load (%d requests, none failed); %s", tc.file,
				time.Duration(l.sawWant.Load()-saved.UnixNano()).Milliseconds(), l.ok.Load(), line)
			if _, body := z.get("/"); body != "two" {
				t.Fatalf("after the edit: %q, want two", body)
			}

			if err := os.WriteFile(cfg, []byte(tc.broken), 0o644); err != nil {
				t.Fatal(err)
			}
			bad := z.waitLine(regexp.MustCompile(regexp.QuoteMeta(tc.file)+`:\d+:\d+: `), 30*time.Second)
			if !strings.Contains(bad, "keep running") {
				t.Errorf("the error line should say the apps keep running: %s", bad)
			}
			if code, body := z.get("/"); code != 200 || body != "two" {
				t.Fatalf("with a broken %s: %d %q, want the app serving two", tc.file, code, body)
			}
		})
	}
}
