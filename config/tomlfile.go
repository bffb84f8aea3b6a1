package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// The keys zoo.toml allows, spelled exactly (BurntSushi/toml would also accept
// other spellings, so Load checks them itself).
var (
	tomlTopKeys    = []string{"listen", "live_reload", "app", "engines"}
	tomlAppKeys    = []string{"name", "path", "root", "engine", "min_workers", "max_workers", "threads", "request_timeout", "start_timeout", "env"}
	tomlEngineKeys = []string{"command", "args", "protocol", "transport", "port_env"}
)

// tomlReader walks the keys of a decoded zoo.toml in file order.
type tomlReader struct {
	file   string
	md     toml.MetaData
	raw    map[string]any
	loc    *keyLocator
	d      *draft
	apps   []map[string]any
	app    *draftApp // the [[app]] being read
	appIdx int
	engine *Engine
}

// decodeTOML reads a zoo.toml strictly: unknown or misspelled keys and
// values of the wrong type are errors naming the key's line.
func decodeTOML(file string, data []byte) (*draft, error) {
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, tomlSyntaxError(file, data, err)
	}
	t := &tomlReader{
		file: file, md: md, raw: raw, loc: newKeyLocator(string(data)), appIdx: -1,
		d: &draft{file: file, format: TOMLName, engines: map[string]*Engine{}},
	}
	t.apps, _ = raw["app"].([]map[string]any)
	for _, k := range md.Keys() {
		if err := t.key(k, t.loc.find(k[len(k)-1])); err != nil {
			return nil, err
		}
	}
	if len(t.d.engines) == 0 {
		t.d.engines = nil
	}
	return t.d, nil
}

func tomlSyntaxError(file string, data []byte, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		p := offsetPos(data, pe.Position.Start)
		if pe.Position.Start == 0 && pe.Line > 1 {
			p = pos{pe.Line, 0}
		}
		return &Error{File: file, Line: p.line, Col: p.col, Msg: "malformed TOML: " + pe.Message, Err: err}
	}
	return &Error{File: file, Line: 1, Col: 1, Msg: "malformed TOML: " + err.Error(), Err: err}
}

// offsetPos turns a byte offset into a 1-based line and column.
func offsetPos(data []byte, off int) pos {
	off = max(0, min(off, len(data)))
	before := data[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := off - bytes.LastIndexByte(before, '\n')
	return pos{line, col}
}

// key handles one key of md.Keys(); at is where it is written.
func (t *tomlReader) key(k toml.Key, at pos) error {
	switch {
	case len(k) == 1:
		return t.topKey(k[0], at)
	case k[0] == "app" && len(k) == 2:
		return t.appKey(k[1], at)
	case k[0] == "app" && len(k) == 3 && k[1] == "env":
		return t.envKey(k[2], at)
	case k[0] == "engines" && len(k) == 2:
		return t.engineTable(k[1], at)
	case k[0] == "engines" && len(k) == 3:
		return t.engineKey(k[1], k[2], at)
	}
	return t.unknown(strings.Join(k, "."), at, nil)
}

func (t *tomlReader) topKey(name string, at pos) error {
	switch name {
	case "listen":
		s, err := t.str(t.raw[name], at, name)
		t.d.listen, t.d.listenAt = s, at
		return err
	case "app":
		if t.md.Type("app") != "ArrayHash" || t.appIdx+1 >= len(t.apps) {
			return errorAt(t.file, at, "", "app", "", "write each application as an [[app]] table")
		}
		t.appIdx++
		t.engine = nil
		name, _ := t.apps[t.appIdx]["name"].(string)
		t.app = &draftApp{name: name, at: at, pathAt: at, rootAt: at, engineAt: at, workersAt: at, threadsAt: at}
		t.d.apps = append(t.d.apps, t.app)
		return nil
	case "live_reload":
		on, ok := t.raw[name].(bool)
		if !ok {
			return errorAt(t.file, at, "", name, "", "must be true or false")
		}
		t.d.noLiveReload = !on
		return nil
	case "engines":
		if _, ok := t.raw[name].(map[string]any); !ok {
			return errorAt(t.file, at, "", name, "", "must be a table: [engines.\"name\"]")
		}
		return nil
	}
	if ok, err := t.limitKey(name, at); ok {
		return err
	}
	return t.unknown(name, at, append(tomlTopKeys, limitKeys...))
}

// unknown reports a key zoo.toml does not have, suggesting a near spelling.
func (t *tomlReader) unknown(key string, at pos, allowed []string) error {
	msg := "unknown key"
	last := key[strings.LastIndexByte(key, '.')+1:]
	for _, a := range allowed {
		if strings.EqualFold(strings.ReplaceAll(last, "-", "_"), a) {
			msg += fmt.Sprintf("; did you mean %q?", a)
			break
		}
	}
	if len(allowed) > 0 && !strings.Contains(msg, "mean") {
		msg += "; known keys here: " + strings.Join(allowed, ", ")
	}
	app := ""
	if !strings.Contains(key, ".") {
		app = t.appName()
	}
	return errorAt(t.file, at, app, key, "", msg)
}

// appValue returns a value of the current [[app]].
func (t *tomlReader) appValue(name string) any {
	return t.apps[t.appIdx][name]
}

func (t *tomlReader) appKey(name string, at pos) error {
	a := t.app
	t.engine = nil
	if a == nil {
		return t.unknown("app."+name, at, nil)
	}
	v := t.appValue(name)
	var err error
	switch name {
	case "name":
		a.name, err = t.str(v, at, name)
		a.at = at
	case "path":
		a.path, err = t.str(v, at, name)
		a.pathAt = at
	case "root":
		a.root, err = t.str(v, at, name)
		a.rootAt = at
	case "engine":
		a.engine, err = t.str(v, at, name)
		a.engineAt = at
	case "min_workers":
		a.minWorkers, err = t.integer(v, at, name)
		a.minSet, a.workersAt = true, at
	case "max_workers":
		a.maxWorkers, err = t.integer(v, at, name)
		a.maxSet = true
		if !a.minSet {
			a.workersAt = at
		}
	case "threads":
		a.threads, err = t.integer(v, at, name)
		a.threadsSet, a.threadsAt = true, at
	case "request_timeout":
		a.requestTimeout, err = t.duration(v, at, name)
	case "start_timeout":
		a.startTimeout, err = t.duration(v, at, name)
	case "env":
		if _, ok := v.(map[string]any); !ok {
			return errorAt(t.file, at, a.name, name, "", "must be a table of NAME = \"value\"")
		}
		a.envAt = at
	default:
		return t.unknown(name, at, tomlAppKeys)
	}
	return err
}

func (t *tomlReader) envKey(name string, at pos) error {
	if t.app == nil {
		return t.unknown("app.env."+name, at, nil)
	}
	t.engine = nil
	env, _ := t.appValue("env").(map[string]any)
	s, err := t.str(env[name], at, name)
	if err != nil {
		return err
	}
	t.app.env = append(t.app.env, draftVar{name: name, value: s, at: at})
	return nil
}

// str, integer and duration read a value of one type or say what was expected.
func (t *tomlReader) str(v any, at pos, key string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", t.typeError(v, at, key, "a string in quotes")
	}
	return s, nil
}

func (t *tomlReader) integer(v any, at pos, key string) (int, error) {
	n, ok := v.(int64)
	if !ok || n > 1<<20 || n < -1<<20 {
		return 0, t.typeError(v, at, key, "a whole number")
	}
	return int(n), nil
}

func (t *tomlReader) duration(v any, at pos, key string) (time.Duration, error) {
	s, ok := v.(string)
	if !ok {
		return 0, t.typeError(v, at, key, `a duration in quotes such as "60s"`)
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errorAt(t.file, at, t.appName(), key, s, `not a positive duration; use e.g. "60s" or "2m"`)
	}
	return d, nil
}

func (t *tomlReader) typeError(v any, at pos, key, want string) error {
	return errorAt(t.file, at, t.appName(), key, fmt.Sprint(v), "must be "+want)
}

func (t *tomlReader) appName() string {
	if t.app == nil || t.engine != nil {
		return ""
	}
	return t.app.name
}
