package main

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// TestDashboardPictures makes the README's pictures of the dashboard: the sample
// app at 80×24 after a few requests and a reload, as text (docs/dashboard-80x24.txt),
// the inspector with a replay (docs/inspector-80x24.txt), and the dashboard in colour
// (docs/dashboard.png: tmux's capture with its colours, as HTML, shot by headless
// chromium). It writes into the repository, so it runs only with ZOO_PICTURES=1.
func TestDashboardPictures(t *testing.T) {
	if os.Getenv("ZOO_PICTURES") != "1" {
		t.Skip("set ZOO_PICTURES=1 to remake the README's pictures in docs/")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		testtool.Missing(t, "chromium not installed: cannot make the colour picture")
	}
	dir := copyDir(t, "sample")
	m := startDashboardSized(t, dir, 80, 24)
	base := m.waitScreen(dashRunningRE, 30*time.Second)[1]
	get := func(path string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get("")
	resp, err := http.PostForm(base, url.Values{"text": {"hello from the README"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Requests paced over a few seconds, so the sparklines have a shape
	// (and the spare workers are ready before the save).
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < 12; i++ {
		<-tick.C
		get([]string{"", "notes", ""}[i%3])
	}
	src := filepath.Join(dir, "wsgi.py")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, append(code, "\n# saved\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	m.waitScreen(regexp.MustCompile(`reload: wsgi\.py changed`), 10*time.Second)
	get("")
	get("static/app.css")
	m.waitScreen(regexp.MustCompile(`GET /static/app\.css 404`), 10*time.Second)

	os.MkdirAll("docs", 0o755)
	writeFile(t, "docs/dashboard-80x24.txt", trimRows(m.screen()))
	colour := m.mustTmux("capture-pane", "-p", "-e")
	page := filepath.Join(t.TempDir(), "dashboard.html")
	writeFile(t, page, ansiHTML(colour))
	shot, _ := filepath.Abs("docs/dashboard.png")
	out, err := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--window-size=700,430", "--screenshot="+shot, "file://"+page).CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}

	m.mustTmux("send-keys", "Enter")
	m.waitScreen(regexp.MustCompile(`REQUEST ·`), 5*time.Second)
	// Back, one request at a time, to the form's post.
	shown := regexp.MustCompile(`REQUEST · \S+`) // the request's time stamp
	for i := 0; ; i++ {
		s := m.screen()
		if strings.Contains(s, "POST http://") {
			break
		}
		if i == 30 {
			t.Fatalf("no POST among the last 30 requests:\n%s", s)
		}
		was := shown.FindString(s)
		m.mustTmux("send-keys", "Up")
		m.until(5*time.Second, func() bool { return shown.FindString(m.screen()) != was }, "the inspector on the older request")
	}
	m.mustTmux("send-keys", "R")
	m.waitScreen(regexp.MustCompile(`original\s+replay`), 10*time.Second)
	writeFile(t, "docs/inspector-80x24.txt", trimRows(m.screen()))
}

func writeFile(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// trimRows drops trailing spaces, as a README block would.
func trimRows(s string) string {
	rows := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, r := range rows {
		rows[i] = strings.TrimRight(r, " ")
	}
	return strings.Join(rows, "\n") + "\n"
}

// ansiHTML turns a terminal capture with SGR colour codes into a page that looks
// like the terminal: 256 colours, bold, dim, underline and reverse.
func ansiHTML(s string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1d1f21">` +
		`<pre style="margin:0;padding:8px;font:14px/1.25 'DejaVu Sans Mono',monospace;color:#d0d0d0">`)
	st := sgr{fg: -1, bg: -1}
	open := false
	re := regexp.MustCompile(`\x1b\[([0-9;]*)m`)
	last := 0
	emit := func(text string) {
		if text == "" {
			return
		}
		if open {
			b.WriteString("</span>")
		}
		fmt.Fprintf(&b, `<span style="%s">%s`, st.css(), html.EscapeString(text))
		open = true
	}
	for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
		emit(s[last:loc[0]])
		st.apply(s[loc[2]:loc[3]])
		last = loc[1]
	}
	emit(s[last:])
	if open {
		b.WriteString("</span>")
	}
	b.WriteString("</pre></body>")
	return b.String()
}

// sgr is the current text style of a capture.
type sgr struct {
	fg, bg                       int // -1: the default
	bold, dim, underline, invert bool
}

func (s *sgr) apply(params string) {
	if params == "" {
		params = "0"
	}
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		n, _ := strconv.Atoi(ps[i])
		switch {
		case n == 0:
			*s = sgr{fg: -1, bg: -1}
		case n == 1:
			s.bold = true
		case n == 2:
			s.dim = true
		case n == 4:
			s.underline = true
		case n == 7:
			s.invert = true
		case n == 22:
			s.bold, s.dim = false, false
		case n == 24:
			s.underline = false
		case n == 27:
			s.invert = false
		case n >= 30 && n <= 37:
			s.fg = n - 30
		case n >= 90 && n <= 97:
			s.fg = n - 90 + 8
		case n == 39:
			s.fg = -1
		case n >= 40 && n <= 47:
			s.bg = n - 40
		case n >= 100 && n <= 107:
			s.bg = n - 100 + 8
		case n == 49:
			s.bg = -1
		case (n == 38 || n == 48) && i+2 < len(ps) && ps[i+1] == "5":
			c, _ := strconv.Atoi(ps[i+2])
			if n == 38 {
				s.fg = c
			} else {
				s.bg = c
			}
			i += 2
		}
	}
}

func (s sgr) css() string {
	fg, bg := "#d0d0d0", "transparent"
	if s.fg >= 0 {
		fg = xterm(s.fg)
	}
	if s.bg >= 0 {
		bg = xterm(s.bg)
	}
	if s.invert {
		if bg == "transparent" {
			bg = "#1d1f21"
		}
		fg, bg = bg, fg
	}
	css := "color:" + fg + ";background:" + bg
	if s.bold {
		css += ";font-weight:bold"
	}
	if s.dim {
		css += ";opacity:0.6"
	}
	if s.underline {
		css += ";text-decoration:underline"
	}
	return css
}

// xterm is the colour of an xterm 256-colour index.
func xterm(n int) string {
	basic := []string{"#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6",
		"#666666", "#d54e53", "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea"}
	switch {
	case n < 16:
		return basic[n]
	case n < 232:
		n -= 16
		level := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return fmt.Sprintf("#%02x%02x%02x", level(n/36), level(n/6%6), level(n%6))
	}
	g := 8 + 10*(n-232)
	return fmt.Sprintf("#%02x%02x%02x", g, g, g)
}
