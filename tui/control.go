package tui

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Control is what the dashboard may ask of the host (the host implements it).
// The dashboard calls it from commands, never from Update, so a slow call cannot
// freeze the screen.
type Control interface {
	Restart(app string)               // restart the app's workers (new generation)
	Redeploy(app string)              // rerun the deploy script, then restart
	SetWorkers(app string, delta int) // +1 / -1 worker
}

// AppInfo is the static part of an app's header, one per app, in order.
type AppInfo struct{ Name, URL string }

// actionDoneMsg reports that a command finished; a non-nil err becomes a log line.
type actionDoneMsg struct {
	app  int
	what string
	err  error
}

// controlCmd runs one Control call off the event loop.
func controlCmd(app int, what string, call func()) tea.Cmd {
	return func() tea.Msg {
		call()
		return actionDoneMsg{app: app, what: what}
	}
}

// openCmd opens url in the browser off the event loop.
func openCmd(app int, open func(string) error, url string) tea.Cmd {
	return func() tea.Msg {
		return actionDoneMsg{app: app, what: "open " + url, err: open(url)}
	}
}

// openBrowser asks the desktop to open url: xdg-open on Linux and BSDs, open on macOS, the
// URL handler on Windows (what cmd's start calls, without cmd splitting the URL at '&').
// The opener's own output is discarded so it cannot scribble over the screen.
func openBrowser(url string) error {
	name, args := "xdg-open", []string{url}
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler", url}
	}
	if _, err := exec.LookPath(name); err != nil {
		return fmt.Errorf("no %s here to open a browser with: open %s in your browser yourself", name, url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, name, args...).Run(); err != nil {
		return fmt.Errorf("%s could not open a browser (%v): open %s in your browser yourself", name, err, url)
	}
	return nil
}
