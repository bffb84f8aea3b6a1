package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// browserFlaskApp is a Flask app with a page, an exception, a crash and a route that
// writes to stderr; TEXT is what a save changes.
const browserFlaskApp = `import os, signal, sys
from flask import Flask

app = Flask(__name__)
TEXT = "page v1"


def lookup(key):
    return {"known": 1}[key]


@app.route("/")
def index():
    return "<!doctype html><html><head><title>BYO app</title></head><body><h1 id='text'>" + TEXT + "</h1></body></html>"


@app.route("/boom")
def boom():
    return str(lookup("<script>alert('x')</script>"))


@app.route("/note")
def note():
    sys.stderr.write("an earlier request's line\n")
    sys.stderr.flush()
    return "noted"


@app.route("/die")
def die():
    sys.stderr.write("dying on purpose\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)
`

var reloadMsRE = regexp.MustCompile(`reload: .* serving new code after (\d+) ms`)

// saveApp rewrites app.py with TEXT = text (or with src as it is when text is "").
func saveApp(t *testing.T, dir, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func withText(text string) string {
	return strings.Replace(browserFlaskApp, `TEXT = "page v1"`, `TEXT = "`+text+`"`, 1)
}

// evalJS evaluates expr in the tab, awaiting a promise, and decodes the result.
func evalJS[T any](t *testing.T, bctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(bctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// navigate opens url in the tab and waits for its load event.
func navigate(t *testing.T, bctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// The browser features on a zero-config Flask app in headless Chromium: the exception
// page, live refresh on save (measured), the failed-reload page for navigations while
// fetches keep getting the last good code, and the crash page.
func TestBrowserFeatures(t *testing.T) {
	needModule(t, "flask")
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		testtool.Missing(t, "chromium not installed")
	}
	dir := t.TempDir()
	saveApp(t, dir, browserFlaskApp)
	z := startZoo(t, "--python", systemPython, dir)
	z.waitLine(regexp.MustCompile(`state RUNNING`), 60*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bctx, token := startBrowser(t, ctx, chromium)
	defer stopBrowser(t, bctx, token)

	t.Run("exception page", func(t *testing.T) {
		navigate(t, bctx, z.URL+"/boom?q=1")
		waitInBrowser(t, bctx, `!!document.getElementById("zoo-exception")`, 30*time.Second)
		type exceptionDOM struct {
			Type, Msg, Req, Body string
			Frames               []string
			Hits                 []string
			BadScripts           int
		}
		dom := evalJS[exceptionDOM](t, bctx, `({
			Type: document.querySelector("#zoo-exception .type").textContent,
			Msg: document.querySelector("#zoo-exception .msg").textContent,
			Req: document.querySelector(".req").textContent,
			Body: document.body.innerText,
			Frames: [...document.querySelectorAll(".frame.app .loc")].map(e => e.textContent),
			Hits: [...document.querySelectorAll(".frame.app .hit")].map(e => e.textContent),
			BadScripts: [...document.scripts].filter(s => s.textContent.includes("alert")).length,
		})`)
		png := filepath.Join(t.ArtifactDir(), "exception-page.png")
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(1100, 900)); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(png, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", png)
		if dom.Type != "KeyError" || !strings.Contains(dom.Msg, `<script>alert('x')</script>`) {
			t.Errorf("heading: type %q message %q", dom.Type, dom.Msg)
		}
		if dom.BadScripts != 0 {
			t.Errorf("the message became %d script element(s): not escaped", dom.BadScripts)
		}
		if !slices.Contains(dom.Frames, "app.py:9 in lookup") || !slices.Contains(dom.Frames, "app.py:19 in boom") {
			t.Errorf("app frames %q, want app.py:9 in lookup and app.py:19 in boom", dom.Frames)
		}
		if !slices.ContainsFunc(dom.Hits, func(h string) bool { return strings.Contains(h, `return {"known": 1}[key]`) }) {
			t.Errorf("failing source lines %q lack the line of lookup", dom.Hits)
		}
		if !strings.Contains(dom.Req, "GET /boom?q=1") || !strings.Contains(dom.Req, "worker pid") {
			t.Errorf("request line %q", dom.Req)
		}
		if strings.Contains(dom.Body, "worker.py") || strings.Contains(dom.Body, "zoo-worker") {
			t.Errorf("the page shows zoo-dev's worker frames:\n%s", dom.Body)
		}
		z.waitLine(regexp.MustCompile(`stderr \d+: app.py:9: KeyError: .* in GET /boom\?q=1`), 10*time.Second)
	})

	t.Run("live refresh", func(t *testing.T) {
		navigate(t, bctx, z.URL+"/")
		waitInBrowser(t, bctx, `document.getElementById("text").textContent === "page v1"`, 30*time.Second)
		var took []time.Duration
		for _, v := range []string{"v2", "v3", "v4"} {
			evalJS[bool](t, bctx, `window.zooSameDocument = true`)
			start := time.Now()
			saveApp(t, dir, withText("page "+v))
			waitInBrowser(t, bctx, `!window.zooSameDocument && document.getElementById("text").textContent === "page `+v+`"`, 30*time.Second)
			took = append(took, time.Since(start))
		}
		// The part after zoo-dev served the new code: the event, the reload, the new page.
		var reloads, browser []time.Duration
		for _, l := range z.snapshot() {
			if m := reloadMsRE.FindStringSubmatch(l); m != nil {
				ms, _ := strconv.Atoi(m[1])
				reloads = append(reloads, time.Duration(ms)*time.Millisecond)
			}
		}
		if len(reloads) != len(took) {
			t.Fatalf("%d reload lines for %d saves", len(reloads), len(took))
		}
		for i := range took {
			browser = append(browser, took[i]-reloads[i])
		}
		med := func(d []time.Duration) time.Duration {
			d = slices.Clone(d)
			slices.Sort(d)
			return d[len(d)/2].Round(time.Millisecond)
		}
		t.Logf("save → Chromium shows the new text, no keypress: %v, median %v; of which zoo-dev's reload %v (median %v) and the browser's part %v (median %v)",
			took, med(took), reloads, med(reloads), browser, med(browser))
	})

	t.Run("failed reload", func(t *testing.T) {
		saveApp(t, dir, withText("page v4")+"\ndef broken(:\n")
		z.waitLine(regexp.MustCompile(`still serving generation`), 30*time.Second)
		navigate(t, bctx, z.URL+"/")
		waitInBrowser(t, bctx, `document.title.includes("Reload Failed")`, 30*time.Second)
		type failedDOM struct {
			Body        string
			FetchStatus int
			FetchText   string
		}
		page := evalJS[failedDOM](t, bctx, `(async () => {
			const r = await fetch("/", {headers: {Accept: "text/html"}});
			return {Body: document.body.innerText, FetchStatus: r.status, FetchText: await r.text()};
		})()`)
		for _, want := range []string{"SyntaxError", "last good code", "still serves every other request"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the navigation's page lacks %q:\n%s", want, page.Body)
			}
		}
		if page.FetchStatus != 200 || !strings.Contains(page.FetchText, "page v4") {
			t.Errorf("fetch() from the page: %d %.200q, want 200 and the last good code", page.FetchStatus, page.FetchText)
		}
		if code, body := z.get("/"); code != 200 || !strings.Contains(body, "page v4") {
			t.Errorf("a plain client during the failed reload: %d %.200q", code, body)
		}
		// The fix: the failed page reloads by itself onto the new code.
		saveApp(t, dir, withText("page fixed"))
		waitInBrowser(t, bctx, `document.getElementById("text") && document.getElementById("text").textContent === "page fixed"`, 30*time.Second)
	})

	t.Run("crash page", func(t *testing.T) {
		if code, _ := z.get("/note"); code != 200 {
			t.Fatalf("GET /note: %d", code)
		}
		// zoo-dev has read that line before the next request begins.
		z.waitLine(regexp.MustCompile(`an earlier request's line`), 10*time.Second)
		req, _ := http.NewRequest("GET", z.URL+"/die", nil)
		req.Header.Set("Accept", "text/html")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode != 502 {
			t.Fatalf("GET /die: %d, want 502:\n%s", resp.StatusCode, body)
		}
		for _, want := range []string{"was killed by signal SIGKILL while serving GET /die", "dying on purpose", "while serving this request"} {
			if !strings.Contains(body, want) {
				t.Errorf("the crash page lacks %q", want)
			}
		}
		for _, bad := range []string{"an earlier request", "fcgi:", "read response"} {
			if strings.Contains(body, bad) {
				t.Errorf("the crash page shows %q", bad)
			}
		}
		if t.Failed() {
			t.Logf("page:\n%s", body)
		}
	})
}
