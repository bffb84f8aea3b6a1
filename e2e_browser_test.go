package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// browserProject is an app whose deploy prints a line, waits on the fifo "gate",
// then prints another; its page has a title no zoo-dev page has.
var browserProject = map[string]string{
	"zoo.toml": `[[app]]
name = "browserapp"
engine = "python.3.wsgi"
min_workers = 1
max_workers = 1

[app.env]
WSGI_APP = "app.application"
DEPLOY_FILE = "deploy.py"
`,
	"deploy.py": "print('step one')\nopen('gate').read()\nprint('step two')\n",
	"app.py": `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<!doctype html><title>Browser App Home</title><h1>the app itself answers</h1>"]
`,
}

// A browser that opens the app during a slow deploy sees the deploy lines as they
// come, and ends on the app's own page by itself: the test navigates once.
func TestBrowserFollowsDeployToApp(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		testtool.Missing(t, "chromium not installed: skipping the deploy page in a real browser")
	}
	dir := t.TempDir()
	for name, body := range browserProject {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "gate"), 0o600); err != nil {
		t.Fatal(err)
	}
	z := startZoo(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bctx, token := startBrowser(t, ctx, chromium)

	// Page.navigate returns once the response starts; the page streams, so its
	// load event comes only when the deploy has ended.
	open := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.Navigate, page.NavigateParams{URL: z.URL + "/"})
		if err == nil && res.ErrorText != "" {
			err = fmt.Errorf("navigate: %s", res.ErrorText)
		}
		return err
	})
	start := time.Now()
	if err := chromedp.Do(bctx, open); err != nil {
		t.Fatalf("open %s: %v", z.URL, err)
	}
	waitInBrowser(t, bctx, `document.body && document.body.innerText.includes("step one")`, 20*time.Second)
	sawDeploy := time.Since(start)
	// Still the deploy page, and the deploy is still blocked: mark this document so
	// the app's page can be told apart from this one mutated.
	text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`window.zooDeployPage = true; document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if containsAny(text, "step two", "the app itself answers") {
		t.Fatalf("the deploy page shows more than the deploy has done:\n%s", text)
	}
	releaseGate(t, filepath.Join(dir, "gate"), 10*time.Second)
	waitInBrowser(t, bctx, `document.title === "Browser App Home" && !window.zooDeployPage &&
		document.body.innerText.includes("the app itself answers")`, 30*time.Second)
	t.Logf("deploy line in the browser %s after opening; the app's page %s after the gate opened",
		sawDeploy.Round(time.Millisecond), (time.Since(start) - sawDeploy).Round(time.Millisecond))

	stopBrowser(t, bctx, token)
}

// startBrowser runs headless Chromium with a fresh profile under ctx; every
// process it starts carries the returned token in its environment.
func startBrowser(t *testing.T, ctx context.Context, chromium string) (context.Context, string) {
	token := fmt.Sprintf("ZOO_E2E_BROWSER=%d-%d", os.Getpid(), time.Now().UnixNano())
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Env(token),
		chromedp.Flag("no-sandbox", true), // tests run as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { bcancel(); acancel() }) // a no-op after stopBrowser
	// The first Run starts the browser; it lives as long as bctx.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx, token
}

// waitInBrowser waits until the expression is truthy in the tab's current page.
// A page that reloads in between destroys the context of an evaluation, so a
// failed poll is tried again until the deadline.
func waitInBrowser(t *testing.T, bctx context.Context, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for attempt := 0; attempt < 50 && time.Now().Before(deadline); attempt++ {
		_, err = chromedp.Run(bctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		if bctx.Err() != nil {
			break
		}
	}
	text, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.title + "\n" + (document.body ? document.body.innerText : "")`))
	t.Fatalf("browser: %s never true within %s (last: %v); the page shows:\n%s", expr, timeout, err, text)
}

// releaseGate lets the deploy go on: it writes to the fifo the deploy reads.
// Opening a fifo for writing blocks until its reader opens it, so the open runs
// in a goroutine bounded by timeout.
func releaseGate(t *testing.T, path string, timeout time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString("go\n")
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("release the deploy: %v", err)
		}
	case <-time.After(timeout):
		// Unblock the writer so the goroutine ends, then fail.
		if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			<-done
			r.Close()
		}
		t.Fatalf("the deploy did not open its gate within %s", timeout)
	}
}

// stopBrowser closes Chromium and checks that none of its processes is left.
func stopBrowser(t *testing.T, bctx context.Context, token string) {
	t.Helper()
	if len(processesWith(token)) == 0 {
		t.Fatalf("no process carries %s while the browser runs: the check below would prove nothing", token)
	}
	cctx, ccancel := context.WithTimeout(bctx, 10*time.Second)
	defer ccancel()
	if err := chromedp.Cancel(cctx); err != nil {
		t.Errorf("close chromium: %v", err)
	}
	tick := time.NewTicker(20 * time.Millisecond) // /proc has no change notification
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for left := processesWith(token); len(left) > 0; left = processesWith(token) {
		select {
		case <-tick.C:
		case <-deadline:
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Fatalf("chromium processes still running 5s after it was closed: %v", left)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
