package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/host"
	"github.com/zoo-dev/zoo-dev/internal/event"
	"github.com/zoo-dev/zoo-dev/proxy"
	"github.com/zoo-dev/zoo-dev/tui"
)

// runOptions are the flags of a run.
type runOptions struct {
	dir, configFile, listen string
	noTUI, noLiveReload     bool
	workers                 int
	limits                  *limitFlags
	logFormat               string
}

// check validates the flags and normalizes --listen; it returns what is wrong, or "".
func (o *runOptions) check() string {
	if o.workers < 0 {
		return fmt.Sprintf("--workers %d: must be 1 or more", o.workers)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return fmt.Sprintf("--log-format %q: must be text or json", o.logFormat)
	}
	if o.listen != "" {
		addr, err := listenAddr(o.listen)
		if err != nil {
			return err.Error()
		}
		o.listen = addr
	}
	return ""
}

// listenAddr accepts HOST:PORT, :PORT or an http:// URL with no path.
func listenAddr(s string) (string, error) {
	addr := s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "http" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return "", fmt.Errorf("--listen %s: zoo-dev serves plain HTTP on an address; use HOST:PORT or http://HOST:PORT/", s)
		}
		addr = u.Host
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return "", fmt.Errorf("--listen %s: want HOST:PORT, e.g. 127.0.0.1:8080 (port 0 picks a free one)", s)
	}
	return addr, nil
}

// shutdownGrace bounds how long in-flight HTTP requests get when zoo-dev stops.
const shutdownGrace = 2 * time.Second

// serve loads the site, binds the port, and runs the host, the proxy and the
// dashboard (or the line printer) until ctx is done or the user quits.
func serve(ctx context.Context, o runOptions, stdout io.Writer) error {
	path := o.dir
	if o.configFile != "" {
		path = o.configFile
	}
	site, found, err := loadSite(path, o.configFile)
	if err != nil {
		return err
	}
	o.limits.apply(&site.Limits)
	addr := site.Listen
	if o.listen != "" {
		addr = o.listen
	}
	bus := event.NewBus()
	uiSub := bus.Subscribe(1 << 14)
	ln, err := proxy.Listen(addr)
	if err != nil {
		if who := portHolder(addr); who != "" {
			return fmt.Errorf("%w (%s holds it)", err, who)
		}
		return err
	}
	srv := proxy.New(site, bus)
	if o.noLiveReload || site.NoLiveReload {
		srv.DisableLiveReload()
	}
	h, err := host.New(site, host.Options{Bus: bus, Frontend: srv, Workers: o.workers})
	if err != nil {
		ln.Close()
		return err
	}
	base := "http://" + ln.Addr().String()
	announce(bus, site, ln.Addr(), base)
	if found != "" {
		bus.Publish(event.Event{App: event.Site, Kind: event.KindLog, Source: event.SourceZoo, Level: event.LevelInfo, Text: found})
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	failed := make(chan error, 2) // the HTTP front or the host stopped on its own
	for _, run := range []func() error{
		func() error { return srv.Run(runCtx, ln, shutdownGrace) },
		func() error { return h.Run(runCtx) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(); err != nil && runCtx.Err() == nil {
				failed <- err
			}
		}()
	}
	if found == "" && site.File != "" {
		cw := &configWatch{site: site, limits: o.limits, listen: o.listen, host: h, bus: bus}
		wg.Add(1)
		go func() { defer wg.Done(); cw.run(runCtx) }()
	}

	uiCtx, stopUI := context.WithCancel(context.Background())
	uiDone := make(chan error, 1)
	tty := !o.noTUI && isTerminal(stdout)
	go func() {
		if tty {
			uiDone <- tui.Run(uiCtx, tui.Options{Apps: appInfos(site, base), Control: h, Sub: uiSub, Summary: stdout})
		} else {
			uiDone <- tui.Print(uiCtx, stdout, uiSub, tui.PrintOptions{JSON: o.logFormat == "json", Color: colorOn(stdout)})
		}
	}()
	var runErr error
	select {
	case <-ctx.Done():
	case err = <-uiDone: // the user quit the dashboard
		uiDone <- err
	case runErr = <-failed:
	}
	cancel()
	wg.Wait() // every worker has exited and the port is closed
	stopUI()
	if err := <-uiDone; err != nil && err != context.Canceled {
		return err
	}
	return runErr
}

// loadSite loads the config at path; a folder without one is searched for the app
// (config.Discover), and the line that says what was found and how to pin it is returned.
func loadSite(path, configFile string) (*config.Site, string, error) {
	if configFile != "" || !config.NoConfigIn(path) {
		site, err := config.Load(path)
		return site, "", err
	}
	f, err := config.Discover(path)
	if err != nil {
		return nil, "", err
	}
	site, err := f.Site()
	if err != nil {
		return nil, "", err
	}
	return site, fmt.Sprintf("no zoo.toml or web.config: serving the %s with reload on save; `zoo-dev init %s` pins it as zoo.toml",
		f.What(), path), nil
}

// announce publishes the first lines every run shows, about the whole site: the
// address and the warnings.
func announce(bus *event.Bus, site *config.Site, addr net.Addr, base string) {
	say := func(lvl event.Level, text string) {
		bus.Publish(event.Event{App: event.Site, Kind: event.KindLog, Source: event.SourceZoo, Level: lvl, Text: text})
	}
	say(event.LevelInfo, fmt.Sprintf("zoo-dev %s: %s, listening on %s/", version, site.File, base))
	if tcp, ok := addr.(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		say(event.LevelWarn, fmt.Sprintf("listening on %s: reachable from other machines; use --listen 127.0.0.1:PORT to keep it local", addr))
	}
	for _, w := range site.Warnings {
		say(event.LevelWarn, w)
	}
	for _, a := range site.Apps {
		say(event.LevelInfo, fmt.Sprintf("app %s at %s%s/ from %s", a.Name, base, trimSlash(a.Path), a.Root))
	}
}

func appInfos(site *config.Site, base string) []tui.AppInfo {
	var out []tui.AppInfo
	for _, a := range site.Apps {
		out = append(out, tui.AppInfo{Name: a.Name, URL: base + trimSlash(a.Path) + "/"})
	}
	return out
}

func trimSlash(p string) string {
	if p == "/" {
		return ""
	}
	return p
}

// colorOn: headless lines are coloured on a terminal unless NO_COLOR is set.
func colorOn(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
