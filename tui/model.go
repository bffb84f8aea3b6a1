// Package tui is zoo-dev's terminal dashboard (a bubbletea program fed by host
// events) and the plain line printer used when there is no terminal.
package tui

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/zoo-dev/zoo-dev/internal/event"
)

// ringSize is how many log lines the dashboard keeps for scrollback.
const ringSize = 10000

// Options wire the dashboard to the host.
type Options struct {
	Apps    []AppInfo              // header info, one per app, in order
	Control Control                // the host's controls; nil disables the action keys
	Sub     *event.Sub             // the event stream; nil shows a static dashboard
	OpenURL func(url string) error // opens the browser; nil uses xdg-open (open on macOS, the URL handler on Windows)
	Summary io.Writer              // Run prints the last failure and a summary here on quit; nil: none
}

// Model is the dashboard's root model: it routes keys and sizes and folds host
// events into per-app state and the log pane.
type Model struct {
	opts     Options
	keys     keyMap
	styles   *styles
	help     help.Model
	input    textinput.Model
	apps     []*appState
	byName   map[string]int
	sel      int // the app whose tab is shown
	pane     *logPane
	feed     *feeder
	clock    func() time.Time
	now      time.Time
	width    int
	height   int
	filterOn bool // the filter input has the keyboard
	dropped  uint64
	insp     *reqRec                // the request the inspector shows; nil when closed
	inspTop  int                    // the inspector's first line shown (pgup/pgdn scroll it)
	replays  map[*reqRec]replayDone // replay results, by request
	history  bool                   // the reload history replaces the log
	bodies   *bodyKeeper
}

// New builds the dashboard for opts, for callers that run their own tea.Program
// (tests, embedding). Its feed waits on opts.Sub until the next event after the
// program ends; Run ties the feed to a context instead.
func New(opts Options) Model {
	return newModel(context.Background(), opts)
}

func newModel(ctx context.Context, opts Options) Model {
	if opts.OpenURL == nil {
		opts.OpenURL = openBrowser
	}
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "filter as you type; enter keeps it, esc clears"
	m := Model{
		opts: opts, keys: defaultKeys(), styles: newStyles(), help: help.New(), input: in,
		byName: make(map[string]int), pane: newLogPane(ringSize, len(opts.Apps)),
		clock: time.Now, width: 80, height: 24, replays: make(map[*reqRec]replayDone), bodies: &bodyKeeper{},
	}
	for i, a := range opts.Apps {
		m.apps = append(m.apps, &appState{info: a})
		m.byName[a.Name] = i
	}
	if opts.Sub != nil {
		m.feed = &feeder{ctx: ctx, sub: opts.Sub}
	}
	m.now = m.clock()
	return m
}

// Init starts the feed and the clock.
func (m Model) Init() tea.Cmd {
	if m.feed == nil {
		return clockCmd()
	}
	return tea.Batch(m.feed.feedCmd(), clockCmd())
}

// Update handles one message; it does no I/O (host calls and the browser run in commands).
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.input.Width = msg.Width - 4
		m.layout()
		return m, nil
	case batchMsg:
		m.now = m.clock()
		m.ingest(msg.events, msg.dropped)
		m.layout()
		if m.feed == nil {
			return m, nil
		}
		return m, m.feed.feedCmd()
	case clockMsg:
		m.now = m.clock()
		return m, clockCmd()
	case replayDone:
		m.replays[msg.of] = msg
		return m, nil
	case actionDoneMsg:
		if msg.err != nil {
			m.pane.add(m.styles.noteLine(m.clock(), msg.app, event.LevelWarn, msg.err.Error()))
		}
		return m, nil
	case tea.MouseMsg:
		return m.mouse(msg), nil
	case tea.KeyMsg:
		if m.filterOn {
			return m.filterKey(msg)
		}
		return m.key(msg)
	}
	return m, nil
}

// ingest folds a batch of events into the apps and the log.
func (m *Model) ingest(events []event.Event, dropped uint64) {
	if dropped > 0 {
		m.dropped += dropped
		m.pane.add(m.styles.noteLine(m.now, -1, event.LevelWarn, fmt.Sprintf("(%d lines dropped)", dropped)))
	}
	for i := range events {
		e := &events[i]
		app, ok := m.byName[e.App]
		if !ok {
			app = -1
		} else if !m.apps[app].apply(*e) {
			continue // a repeat of the error just shown
		}
		for _, l := range m.styles.linesFor(*e, app) {
			if l.rec != nil && app >= 0 {
				l.rec.gen = m.apps[app].genOf(l.rec.info.Worker)
				m.bodies.keep(l.rec)
			}
			m.pane.add(l)
		}
	}
}

// catchUp folds the events that wait for the next feed tick, so that a line the
// dashboard adds for a key comes after what happened before the key.
func (m *Model) catchUp() {
	if m.feed == nil {
		return
	}
	if events, dropped := m.feed.sub.Drain(nil); len(events) > 0 || dropped > 0 {
		m.now = m.clock()
		m.ingest(events, dropped)
		m.layout()
	}
}

// key handles a key outside the filter input.
func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k, p := m.keys, m.pane
	if m.insp != nil {
		if done, cmd := m.inspectKey(msg); done {
			return m, cmd
		}
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
	case key.Matches(msg, k.Back):
		m.back()
	case key.Matches(msg, k.Inspect):
		if r := p.newestRequest(); r != nil {
			m.openRequest(r)
		} else if len(m.apps) > 0 {
			m.note(m.sel, event.LevelInfo, "no request to inspect here yet")
		}
	case key.Matches(msg, k.History):
		m.history = !m.history
	case key.Matches(msg, k.Filter):
		m.filterOn = true
		m.input.SetValue(p.filter)
		m.layout()
		return m, m.input.Focus()
	case key.Matches(msg, k.NextApp, k.PrevApp):
		m.switchApp(key.Matches(msg, k.NextApp))
	default:
		if m.viewKey(msg) || m.scrollKey(msg) {
			return m, nil
		}
		m.catchUp()
		return m, m.actionKey(msg)
	}
	return m, nil
}

func (m *Model) setView(v viewMode) {
	m.pane.view = v
	m.pane.rebuild()
}

func (m *Model) switchApp(next bool) {
	if len(m.apps) < 2 {
		return
	}
	d := len(m.apps) - 1
	if next {
		d = 1
	}
	m.sel = (m.sel + d) % len(m.apps)
	m.pane.app, m.insp = m.sel, nil
	m.pane.rebuild()
	m.layout()
}
