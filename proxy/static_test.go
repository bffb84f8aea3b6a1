package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// staticSite is a site with an app at / (no workers: its requests wait for
// one) and a static folder at /static holding real files.
func staticSite(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "static")
	files := map[string]string{
		"site.css": "body { color: green }", "app.js": "let x = 1;", "img/logo.svg": "<svg/>",
		"docs/index.html": "<h1>docs</h1>", "web.config": "<configuration/>", ".git/config": "secret",
		"empty/keep.txt": "x",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "outside.txt"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "outside.txt"), filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	site := &config.Site{
		Apps:   []*config.App{{Name: "app", Path: "/", Root: base, StartTimeout: 50 * time.Millisecond, RequestTimeout: time.Second}},
		Static: []config.StaticFolder{{Path: "/static", Root: dir}},
	}
	hs := httptest.NewServer(New(site, event.NewBus()))
	t.Cleanup(hs.Close)
	return hs, dir
}

// TestStaticFolder serves files with their content type, never a listing, a
// hidden file or anything outside the folder, and only for GET and HEAD.
func TestStaticFolder(t *testing.T) {
	hs, _ := staticSite(t)
	for _, tc := range []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/static/site.css", 200, "text/css; charset=utf-8", "body { color: green }"},
		{"GET", "/static/app.js", 200, "text/javascript; charset=utf-8", "let x = 1;"},
		{"GET", "/static/img/logo.svg", 200, "image/svg+xml", "<svg/>"},
		{"HEAD", "/static/site.css", 200, "text/css; charset=utf-8", ""},
		{"GET", "/static/docs/", 200, "text/html; charset=utf-8", "<h1>docs</h1>"},
		{"GET", "/static/empty/", 404, "", ""},
		{"GET", "/static/", 404, "", ""},
		{"GET", "/static/nope.css", 404, "", ""},
		{"GET", "/static/web.config", 404, "", ""},
		{"GET", "/static/WEB.CONFIG", 404, "", ""},
		{"GET", "/static/.git/config", 404, "", ""},
		{"GET", "/static/escape.txt", 404, "", ""},
		{"GET", "/static/../outside.txt", 404, "", ""},
		{"GET", "/static/%2e%2e/outside.txt", 404, "", ""},
		{"POST", "/static/site.css", 405, "", ""},
	} {
		req, _ := http.NewRequest(tc.method, hs.URL+tc.path, strings.NewReader(""))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d (%q)", tc.method, tc.path, resp.StatusCode, tc.status, body)
			continue
		}
		if tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("%s %s: content type %q, want %q", tc.method, tc.path, resp.Header.Get("Content-Type"), tc.ctype)
		}
		if tc.status == 200 && string(body) != tc.body {
			t.Errorf("%s %s: body %q, want %q", tc.method, tc.path, body, tc.body)
		}
		if strings.Contains(string(body), "outside") || strings.Contains(string(body), "secret") {
			t.Errorf("%s %s: served a file it must not: %q", tc.method, tc.path, body)
		}
	}
}

// TestStaticConditional answers If-Modified-Since with 304, a folder without a
// slash with a redirect, and leaves other paths to the app.
func TestStaticConditional(t *testing.T) {
	hs, dir := staticSite(t)
	mod := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "site.css"), mod, mod); err != nil {
		t.Fatal(err)
	}
	get := func(path string, header map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := get("/static/site.css", nil)
	if resp.Header.Get("Last-Modified") != mod.Format(http.TimeFormat) {
		t.Errorf("Last-Modified %q", resp.Header.Get("Last-Modified"))
	}
	if resp := get("/static/site.css", map[string]string{"If-Modified-Since": mod.Format(http.TimeFormat)}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since the file's time: %d, want 304", resp.StatusCode)
	}
	if resp := get("/static/site.css", map[string]string{"If-Modified-Since": mod.Add(-time.Hour).Format(http.TimeFormat)}); resp.StatusCode != 200 {
		t.Errorf("If-Modified-Since before the file's time: %d, want 200", resp.StatusCode)
	}
	if resp := get("/static/docs", nil); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/static/docs/" {
		t.Errorf("folder without slash: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := get("/staticfile.css", nil); resp.StatusCode == 200 {
		t.Errorf("/staticfile.css is not under /static, got 200")
	}
}
