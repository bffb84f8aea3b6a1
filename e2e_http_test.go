package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// fastAPIApp answers / with its version, streams /stream (an event stream with
// ?sse=1) in two parts with a pause the test ends through /release, and dies on /crash.
const fastAPIApp = `import asyncio, os, sys
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, StreamingResponse

VERSION = %q
app = FastAPI()
release = asyncio.Event()

@app.get("/", response_class=PlainTextResponse)
async def index():
    return VERSION

@app.get("/stream")
async def stream(sse: int = 0):
    async def parts():
        yield "data: first\n\n" if sse else "first\n"
        await asyncio.wait_for(release.wait(), 30)
        release.clear()
        yield "data: second\n\n" if sse else "second\n"
    return StreamingResponse(parts(), media_type="text/event-stream" if sse else "text/plain")

@app.get("/release", response_class=PlainTextResponse)
async def do_release():
    release.set()
    return "released"

@app.get("/crash")
async def crash():
    print("about to crash", file=sys.stderr, flush=True)
    os._exit(3)
`

// uvicornToml runs the app with uvicorn as a zoo.toml http engine.
const uvicornToml = `[[app]]
name = "api"
engine = "uvicorn"
start_timeout = "60s"

[app.env]
WATCH_FILE_CHANGES_MASK = "*.py"
WSGI_LOG = "log/stdout.log"

[engines."uvicorn"]
command = "/usr/bin/python3"
args = ["-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", "%HTTP_PLATFORM_PORT%"]
protocol = "http"
`

// uvicornWebConfig is the same app in the web.config an Azure App Service Python
// site has: HttpPlatformHandler starting uvicorn.
const uvicornWebConfig = `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="PythonHandler" path="*" verb="*" modules="httpPlatformHandler" resourceType="Unspecified" />
    </handlers>
    <httpPlatform processPath="/usr/bin/python3"
                  arguments="-m uvicorn main:app --host 127.0.0.1 --port %HTTP_PLATFORM_PORT%"
                  startupTimeLimit="60" startupRetryCount="2" requestTimeout="00:02:00"
                  stdoutLogEnabled="true" stdoutLogFile=".\log\python.log">
      <environmentVariables>
        <environmentVariable name="PORT" value="%HTTP_PLATFORM_PORT%" />
        <environmentVariable name="WATCH_FILE_CHANGES_MASK" value="*.py" />
      </environmentVariables>
    </httpPlatform>
  </system.webServer>
</configuration>
`

// needUvicorn skips (fails in CI) without Debian's python3-uvicorn and python3-fastapi.
func needUvicorn(t *testing.T) {
	t.Helper()
	if exec.Command("/usr/bin/python3", "-c", "import uvicorn, fastapi").Run() != nil {
		testtool.Missing(t, "python3-uvicorn and python3-fastapi are not installed for /usr/bin/python3")
	}
}

func writeFastAPI(t *testing.T, dir, version string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "main.py"), []byte(fmt.Sprintf(fastAPIApp, version)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A FastAPI app served by uvicorn as a zoo.toml http engine: streaming, reload on
// save with no failed request under load, the crash page, the output in WSGI_LOG.
func TestHTTPEngineUvicornToml(t *testing.T) {
	needUvicorn(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "zoo.toml"), []byte(uvicornToml), 0o644)
	writeFastAPI(t, dir, "v1")
	z := startZoo(t, dir)
	uvicornScenario(t, z, dir)
	b, err := os.ReadFile(filepath.Join(dir, "log", "stdout.log"))
	if err != nil || !strings.Contains(string(b), "Uvicorn running on http://127.0.0.1:") || !strings.Contains(string(b), "about to crash") {
		t.Errorf("log/stdout.log = %q (%v), want uvicorn's lines and the app's stderr", b, err)
	}
	if !strings.Contains(string(b), `"GET /stream HTTP/1.1" 200`) {
		t.Errorf("log/stdout.log lacks uvicorn's access lines (its stdout):\n%s", b)
	}
}

// The same app from an HttpPlatformHandler web.config, the form Azure App Service
// used for Python.
func TestHTTPEngineUvicornWebConfig(t *testing.T) {
	needUvicorn(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "web.config"), []byte(uvicornWebConfig), 0o644)
	writeFastAPI(t, dir, "v1")
	if out, err := exec.Command(zooBin, "check", dir).CombinedOutput(); err != nil {
		msg := "zoo-dev check does not read <httpPlatform> yet: " + strings.TrimSpace(string(out))
		if os.Getenv("ZOO_REQUIRE_TOOLS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	uvicornScenario(t, startZoo(t, dir), dir)
	b, err := os.ReadFile(filepath.Join(dir, "log", "python.log"))
	if err != nil || !strings.Contains(string(b), "Uvicorn running on http://127.0.0.1:") || !strings.Contains(string(b), "about to crash") {
		t.Errorf("stdoutLogFile log/python.log = %q (%v), want uvicorn's lines and the app's stderr", b, err)
	}
}

// uvicornScenario runs the checks both forms share on a started zoo-dev.
func uvicornScenario(t *testing.T, z *zooRun, dir string) {
	z.waitLine(regexp.MustCompile(`state RUNNING`), 90*time.Second)
	if code, body := z.get("/"); code != 200 || body != "v1" {
		t.Fatalf("GET / = %d %q, want v1", code, body)
	}
	t.Run("stream", func(t *testing.T) { checkStream(t, z, "/stream", "first\n", "second\n") })
	t.Run("event stream", func(t *testing.T) { checkStream(t, z, "/stream?sse=1", "data: first\n", "\ndata: second\n\n") })
	t.Run("reload under load", func(t *testing.T) { checkReloadUnderLoad(t, z, dir) })
	t.Run("crash page", func(t *testing.T) { checkCrashPage(t, z) })
}

// checkStream reads the first part while the app still holds the second: it
// arrived before the response ended.
func checkStream(t *testing.T, z *zooRun, path, first, rest string) {
	resp, err := http.Get(z.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	got := make(chan string, 1)
	go func() { l, _ := br.ReadString('\n'); got <- l }()
	select {
	case l := <-got:
		if l != first {
			t.Fatalf("first part = %q, want %q", l, first)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the first part did not arrive while the app held the rest")
	}
	if _, body := z.get("/release"); body != "released" {
		t.Fatalf("GET /release = %q", body)
	}
	if b, err := io.ReadAll(br); string(b) != rest || err != nil {
		t.Fatalf("rest = %q (%v), want %q", b, err, rest)
	}
}

// checkReloadUnderLoad saves a new version while 4 clients request / every 5 ms:
// every request succeeds, and the new version is served after the reload.
func checkReloadUnderLoad(t *testing.T, z *zooRun, dir string) {
	before := z.reloads()
	l := startLoad(z, 4, 5*time.Millisecond, "", versionOK)
	for deadline := time.Now().Add(30 * time.Second); l.ok.Load() < 20; { // the load runs before the save
		if time.Now().After(deadline) {
			l.end(t, "before the save")
			t.Fatalf("%d requests served in 30 s before the save", l.ok.Load())
		}
		z.waitNext(100 * time.Millisecond)
	}
	writeFastAPI(t, dir, "v2")
	z.waitReloads(before + 1)
	line := z.waitLine(reloadRE, time.Second)
	l.end(t, "during the reload")
	t.Logf("%s; %d requests served", line[strings.Index(line, "reload:"):], l.ok.Load())
	if _, body := z.get("/"); body != "v2" {
		t.Fatalf("after the reload: %q, want v2", body)
	}
}

// versionOK is the load check of a reload from v1 to v2: a 200 with either body.
func versionOK(status int, body string) error {
	if status != 200 || (body != "v1" && body != "v2") {
		return fmt.Errorf("status %d body %q", status, body)
	}
	return nil
}

// checkCrashPage: a request that kills the process gets zoo-dev's page with the
// process's last stderr lines, and a new process serves the next requests.
func checkCrashPage(t *testing.T, z *zooRun) {
	code, body := z.get("/crash")
	if code != http.StatusBadGateway || !strings.Contains(body, "Worker Crashed") || !strings.Contains(body, "exited with status 3") ||
		!strings.Contains(body, "about to crash") {
		t.Fatalf("GET /crash = %d %q, want the 502 page with the last stderr line", code, body)
	}
	z.waitLine(regexp.MustCompile(`worker \d+ ready`), 60*time.Second)
	if code, body := z.get("/"); code != 200 || body != "v2" {
		t.Fatalf("after the crash: %d %q, want v2 from a new process", code, body)
	}
}
