package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is the dashboard's one key map: Update matches against it and the footer
// and the full help are derived from it, so they cannot drift apart.
type keyMap struct {
	Restart  key.Binding
	Redeploy key.Binding
	Clear    key.Binding
	Follow   key.Binding
	Filter   key.Binding
	Open     key.Binding
	More     key.Binding
	Fewer    key.Binding
	View     key.Binding
	All      key.Binding
	Requests key.Binding
	Errors   key.Binding
	NextApp  key.Binding
	PrevApp  key.Binding
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Inspect  key.Binding
	Replay   key.Binding
	History  key.Binding
	Debug    key.Binding
	Back     key.Binding
	Help     key.Binding
	Quit     key.Binding
}

func bind(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// defaultKeys returns the dashboard's keys (the README lists them).
func defaultKeys() keyMap {
	return keyMap{
		Restart:  bind([]string{"r"}, "r", "restart"),
		Redeploy: bind([]string{"d"}, "d", "redeploy"),
		Clear:    bind([]string{"c"}, "c", "clear log"),
		Follow:   bind([]string{"f"}, "f", "follow"),
		Filter:   bind([]string{"/"}, "/", "filter"),
		Open:     bind([]string{"o"}, "o", "open URL"),
		More:     bind([]string{"+", "="}, "+", "add worker"),
		Fewer:    bind([]string{"-", "_"}, "-", "remove worker"),
		View:     bind([]string{"v"}, "v", "cycle view"),
		All:      bind([]string{"1"}, "1", "all lines"),
		Requests: bind([]string{"2"}, "2", "requests"),
		Errors:   bind([]string{"3"}, "3", "errors"),
		NextApp:  bind([]string{"tab"}, "tab", "next app"),
		PrevApp:  bind([]string{"shift+tab"}, "shift+tab", "previous app"),
		Up:       bind([]string{"up", "k"}, "↑/k", "scroll up"),
		Down:     bind([]string{"down", "j"}, "↓/j", "scroll down"),
		PageUp:   bind([]string{"pgup", "b"}, "pgup", "page up"),
		PageDown: bind([]string{"pgdown", " "}, "pgdn", "page down"),
		Home:     bind([]string{"home", "g"}, "home", "oldest line"),
		End:      bind([]string{"end", "G"}, "end", "newest, follow"),
		Inspect:  bind([]string{"enter"}, "enter", "inspect"),
		Replay:   bind([]string{"R"}, "R", "replay"),
		History:  bind([]string{"h"}, "h", "reload history"),
		Debug:    bind([]string{"z"}, "z", "debug lines"),
		Back:     bind([]string{"esc"}, "esc", "close, clear filter"),
		Help:     bind([]string{"?"}, "?", "help"),
		Quit:     bind([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the footer: the keys a user needs most, most needed first; the
// footer leaves out the last ones that do not fit, never help and quit.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Restart, k.Filter, k.Inspect, k.Redeploy, k.Follow, k.View, k.Open, k.Help, k.Quit}
}

// FullHelp is the `?` screen, one column per group.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Restart, k.Redeploy, k.More, k.Fewer, k.Open, k.History},
		{k.Follow, k.Filter, k.Clear, k.View, k.All, k.Requests, k.Errors, k.Debug},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Inspect, k.Replay, k.Back, k.NextApp, k.PrevApp, k.Help, k.Quit},
	}
}

// inspectorHelp is the footer while the inspector is open.
func (k keyMap) inspectorHelp() []key.Binding {
	return []key.Binding{bind([]string{"up"}, "↑/↓", "older/newer"), k.Replay, bind([]string{"esc"}, "esc", "back"),
		bind([]string{"pgdown"}, "pgup/pgdn", "scroll"), k.Help, k.Quit}
}
