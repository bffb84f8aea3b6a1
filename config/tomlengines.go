package config

import (
	"strings"
)

// engineTable starts an [engines."name"] table: a custom engine.
func (t *tomlReader) engineTable(name string, at pos) error {
	tbl, ok := t.engineValues(name)
	if !ok {
		return errorAt(t.file, at, "", "engines."+name, "", "must be a table with command, args, protocol and transport")
	}
	t.engine = &Engine{Protocol: "fastcgi", Transport: "unix"}
	t.d.engines[name] = t.engine
	if _, ok := tbl["command"]; !ok {
		return errorAt(t.file, at, "", "engines."+name, "", "command is missing; set command = \"program\"")
	}
	return nil
}

func (t *tomlReader) engineValues(name string) (map[string]any, bool) {
	all, _ := t.raw["engines"].(map[string]any)
	tbl, ok := all[name].(map[string]any)
	return tbl, ok
}

// engineKey reads one key of a custom engine.
func (t *tomlReader) engineKey(engine, name string, at pos) error {
	tbl, _ := t.engineValues(engine)
	e := t.d.engines[engine]
	if e == nil || tbl == nil {
		return t.unknown("engines."+engine+"."+name, at, nil)
	}
	t.engine = e
	v := tbl[name]
	key := "engines." + engine + "." + name
	var err error
	switch name {
	case "command":
		e.Command, err = t.str(v, at, key)
		if err == nil && strings.TrimSpace(e.Command) == "" {
			return errorAt(t.file, at, "", key, "", "must name a program")
		}
	case "args":
		e.Args, err = t.strings(v, at, key)
	case "protocol":
		e.Protocol, err = t.oneOf(v, at, key, "fastcgi", "http")
	case "transport":
		e.Transport, err = t.oneOf(v, at, key, "unix", "tcp")
	default:
		return t.unknown(key, at, tomlEngineKeys)
	}
	return err
}

func (t *tomlReader) strings(v any, at pos, key string) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, t.typeError(v, at, key, `a list of strings such as ["--flag", "value"]`)
	}
	out := make([]string, 0, len(list))
	for _, el := range list {
		s, ok := el.(string)
		if !ok {
			return nil, t.typeError(v, at, key, "a list of strings")
		}
		out = append(out, s)
	}
	return out, nil
}

func (t *tomlReader) oneOf(v any, at pos, key string, allowed ...string) (string, error) {
	s, err := t.str(v, at, key)
	if err != nil {
		return "", err
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", errorAt(t.file, at, "", key, s, "must be one of "+strings.Join(allowed, ", "))
}
