package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// engineTable starts an [engines."name"] table: a custom engine.
func (t *tomlReader) engineTable(name string, at pos) error {
	tbl, ok := t.engineValues(name)
	if !ok {
		return errorAt(t.file, at, "", "engines."+name, "", "must be a table with command, args, protocol and transport")
	}
	t.engine = &Engine{Protocol: "fastcgi", Transport: "unix", StartupRetries: defaultStartupRetries}
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
	case "startup_time_limit", "startup_retry_count", "stdout_log_file":
		return t.httpEngineKey(e, name, v, at, key)
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

// defaultStartupRetries is how many more times a zoo.toml http engine's process is
// started when it exits before its port accepts.
const defaultStartupRetries = 2

// httpEngineKey reads the settings of an engine with protocol = "http".
func (t *tomlReader) httpEngineKey(e *Engine, name string, v any, at pos, key string) error {
	var err error
	switch name {
	case "startup_time_limit":
		e.StartupTimeLimit, err = t.duration(v, at, key)
	case "startup_retry_count":
		e.StartupRetries, err = t.integer(v, at, key)
		if err == nil && e.StartupRetries < 0 {
			return errorAt(t.file, at, "", key, fmt.Sprint(e.StartupRetries), "must be 0 or more")
		}
	case "stdout_log_file":
		e.StdoutLogFile, err = t.str(v, at, key)
		if err == nil && e.StdoutLogFile == "" {
			return errorAt(t.file, at, "", key, "", "must name a file, such as \"log/stdout.log\"")
		}
		if err == nil && !filepath.IsAbs(e.StdoutLogFile) {
			e.StdoutLogFile = filepath.Join(filepath.Dir(t.file), filepath.FromSlash(e.StdoutLogFile))
		}
	}
	return err
}
