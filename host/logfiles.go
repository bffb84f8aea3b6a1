package host

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

// Files in ERROR_LOG_DIR: the app's error output, the deploy output, zoo-dev's events.
const (
	errorLogName  = "error.log"
	deployLogName = "deploy.log"
	eventLogName  = "zoo-dev.log"
)

// logFiles writes an app's events to the files its configuration names:
// ERROR_LOG_DIR, DEPLOY_LOG and wfastcgi's WSGI_LOG.
type logFiles struct {
	files  map[string]*bufio.Writer // by path
	opened []*os.File
	errs   map[string]bool // paths already reported as unwritable
	warn   func(string)
}

// logTargets lists the files an event goes to for app a.
func logTargets(a *config.App, e *event.Event) []string {
	var out []string
	if dir := a.ErrorLogDir; dir != "" {
		switch {
		case e.Kind == event.KindLog && e.Source == event.SourceStderr:
			out = append(out, filepath.Join(dir, errorLogName))
		case e.Kind == event.KindLog && e.Source == event.SourceDeploy:
			out = append(out, filepath.Join(dir, deployLogName))
		case e.Kind == event.KindLog && e.Source == event.SourceZoo, e.Kind == event.KindState, e.Kind == event.KindReload:
			out = append(out, filepath.Join(dir, eventLogName))
		}
	}
	if a.DeployLog != "" && e.Kind == event.KindLog && e.Source == event.SourceDeploy {
		out = append(out, a.DeployLog)
	}
	if a.ErrorLogFile != "" && e.Kind == event.KindLog && e.Source != event.SourceDeploy {
		out = append(out, a.ErrorLogFile)
	}
	return out
}

// writeLogFiles copies the events of apps to their files until ctx is done, then
// writes what is left and closes the files.
func writeLogFiles(ctx context.Context, sub *event.Sub, apps map[string]*config.App, warn func(string)) {
	lf := &logFiles{files: map[string]*bufio.Writer{}, errs: map[string]bool{}, warn: warn}
	defer lf.close()
	var buf []event.Event
	for {
		done := false
		select {
		case <-sub.Ready():
		case <-ctx.Done():
			done = true
		}
		buf, _ = sub.Drain(buf[:0])
		for i := range buf {
			lf.write(eventTargets(apps, &buf[i]), &buf[i])
		}
		lf.flush()
		if done {
			return
		}
	}
}

// eventTargets lists the files e goes to: its app's, or every app's for a message
// about the whole site, each file once.
func eventTargets(apps map[string]*config.App, e *event.Event) []string {
	if e.App != event.Site {
		if a := apps[e.App]; a != nil {
			return logTargets(a, e)
		}
		return nil
	}
	var out []string
	for _, a := range apps {
		out = append(out, logTargets(a, e)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (lf *logFiles) write(targets []string, e *event.Event) {
	if len(targets) == 0 {
		return
	}
	line := e.Time.Format("2006-01-02 15:04:05.000 ") + e.Line() + "\n"
	for _, path := range targets {
		if w := lf.open(path); w != nil {
			w.WriteString(line)
		}
	}
}

func (lf *logFiles) open(path string) *bufio.Writer {
	if w, ok := lf.files[path]; ok {
		return w
	}
	var w *bufio.Writer
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		lf.fail(path, err)
	} else if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		lf.fail(path, err)
	} else {
		lf.opened = append(lf.opened, f)
		w = bufio.NewWriter(f)
	}
	lf.files[path] = w // nil for a file that cannot be written: tried once
	return w
}

func (lf *logFiles) fail(path string, err error) {
	if !lf.errs[path] {
		lf.errs[path] = true
		lf.warn(fmt.Sprintf("cannot write log file %s: %v", path, err))
	}
}

func (lf *logFiles) flush() {
	for _, w := range lf.files {
		if w != nil {
			w.Flush()
		}
	}
}

func (lf *logFiles) close() {
	lf.flush()
	for _, f := range lf.opened {
		f.Close()
	}
}
