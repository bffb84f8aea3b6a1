package config

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// wcScope is the configuration of one IIS path: the file's own folder, or a
// <location path="sub"> inside it.
type wcScope struct {
	location string // "" for the file's folder
	at       pos
	apps     map[string]*wcApp // <heliconZoo><application> by name
	handlers []*wcHandler      // <handlers><add>, in order, after <remove>/<clear>
	removed  []draftVar        // <handlers><remove name> (value unused) and <clear/> (name "")
	settings []draftVar        // <appSettings><add key value> (wfastcgi)
	platform *wcPlatform       // <httpPlatform> or <aspNetCore>
}

// wcPlatform is an <httpPlatform> (HttpPlatformHandler) or <aspNetCore>
// (ASP.NET Core Module) element: a program that serves HTTP on a port IIS picks.
type wcPlatform struct {
	element string // "httpPlatform" or "aspNetCore", as the element is named
	at      pos
	attrs   map[string]string // attributes by lower-cased name
	env     []draftVar        // <environmentVariables><environmentVariable name value>
}

// wcApp is a Helicon Zoo <application> element.
type wcApp struct {
	at             pos
	env            []draftVar
	minWorkers     int
	maxWorkers     int
	minSet, maxSet bool
}

// wcHandler is a <handlers><add> element.
type wcHandler struct {
	name, processor, modules, preCondition string
	at                                     pos
}

// webConfig walks a web.config's elements, keeping only those zoo-dev reads.
type webConfig struct {
	file   string
	scopes []*wcScope
	cur    *wcScope
	app    *wcApp // the <application> being read
	root   string // the root element's name
	rootAt pos
}

// decodeWebConfig reads the Helicon Zoo and wfastcgi parts of a web.config.
func decodeWebConfig(file string, data []byte) (*draft, error) {
	w := &webConfig{file: file}
	w.cur = w.scope("", pos{1, 1})
	dec := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []string
	for {
		line, col := dec.InputPos()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, w.syntaxError(dec, pos{line, col}, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, strings.ToLower(t.Name.Local))
			if err := w.start(stack, t, pos{line, col}); err != nil {
				return nil, err
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if len(stack) == 1 && stack[0] == "configuration" {
				w.cur = w.scopes[0]
			}
		}
	}
	if w.root == "" {
		return nil, errorAt(file, pos{1, 1}, "", "", "", "malformed XML: no root element; a web.config starts with <configuration>")
	}
	if w.root != "configuration" {
		return nil, errorAt(file, w.rootAt, "", "", "", "not a web.config: the root element is <"+w.root+">, expected <configuration>")
	}
	return w.draft(), nil
}

// syntaxError reports malformed XML where the fault is: at the start of a
// mismatched end tag, otherwise where the decoder stopped.
func (w *webConfig) syntaxError(dec *xml.Decoder, start pos, err error) error {
	line, col := dec.InputPos()
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
		if strings.Contains(msg, "closed by") || strings.Contains(msg, "unexpected end element") {
			line, col = start.line, start.col
		}
	}
	return &Error{File: w.file, Line: line, Col: col, Msg: "malformed XML: " + msg, Err: err}
}

// scope returns the scope of a location path, creating it on first use.
func (w *webConfig) scope(location string, at pos) *wcScope {
	location = strings.Trim(strings.ReplaceAll(location, `\`, "/"), "/. ")
	for _, s := range w.scopes {
		if s.location == location {
			return s
		}
	}
	s := &wcScope{location: location, at: at, apps: map[string]*wcApp{}}
	w.scopes = append(w.scopes, s)
	return s
}

// start handles one start element; stack holds the lower-cased names down to it.
func (w *webConfig) start(stack []string, e xml.StartElement, at pos) error {
	if len(stack) == 1 {
		w.root, w.rootAt = stack[0], at
		return nil
	}
	if stack[0] != "configuration" {
		return nil
	}
	rel := stack[1:]
	if rel[0] == "location" {
		if len(rel) == 1 {
			w.cur = w.scope(attr(e, "path"), at)
			return nil
		}
		rel = rel[1:]
	}
	switch strings.Join(rel, "/") {
	case "system.webserver/heliconzoo/application":
		return w.startApp(e, at)
	case "system.webserver/heliconzoo/application/environmentvariables/add":
		if w.app != nil {
			w.app.env = addVar(w.app.env, draftVar{name: attr(e, "name"), value: attr(e, "value"), at: at})
		}
	case "system.webserver/heliconzoo/application/environmentvariables/remove":
		if w.app != nil {
			w.app.env = removeVar(w.app.env, attr(e, "name"))
		}
	case "system.webserver/heliconzoo/application/environmentvariables/clear":
		if w.app != nil {
			w.app.env = nil
		}
	case "system.webserver/handlers/add":
		w.cur.handlers = append(w.cur.handlers, &wcHandler{name: attr(e, "name"), processor: attr(e, "scriptProcessor"),
			modules: attr(e, "modules"), preCondition: attr(e, "preCondition"), at: at})
	case "system.webserver/handlers/remove":
		w.cur.handlers = removeHandler(w.cur.handlers, attr(e, "name"))
		w.cur.removed = append(w.cur.removed, draftVar{name: attr(e, "name"), at: at})
	case "system.webserver/handlers/clear":
		w.cur.handlers = nil
		w.cur.removed = append(w.cur.removed, draftVar{at: at})
	case "system.webserver/httpplatform", "system.webserver/aspnetcore":
		w.startPlatform(e, at)
	case "system.webserver/httpplatform/environmentvariables/environmentvariable",
		"system.webserver/aspnetcore/environmentvariables/environmentvariable":
		if p := w.cur.platform; p != nil {
			p.env = addVar(p.env, draftVar{name: attr(e, "name"), value: attr(e, "value"), at: at})
		}
	case "appsettings/add":
		w.cur.settings = addVar(w.cur.settings, draftVar{name: attr(e, "key"), value: attr(e, "value"), at: at})
	case "appsettings/remove":
		w.cur.settings = removeVar(w.cur.settings, attr(e, "key"))
	case "appsettings/clear":
		w.cur.settings = nil
	}
	return nil
}

// startApp begins a <heliconZoo><application name="..."> element.
func (w *webConfig) startApp(e xml.StartElement, at pos) error {
	name := attr(e, "name")
	if name == "" {
		return errorAt(w.file, at, "", "name", "", "<application> needs a name that matches a handler's name")
	}
	a := &wcApp{at: at}
	for _, s := range []struct {
		key string
		n   *int
		set *bool
	}{{"minInstances", &a.minWorkers, &a.minSet}, {"maxInstances", &a.maxWorkers, &a.maxSet}} {
		v := attr(e, s.key)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return errorAt(w.file, at, name, s.key, v, "not a whole number")
		}
		*s.n, *s.set = n, true
	}
	w.cur.apps[name] = a
	w.app = a
	return nil
}

// startPlatform begins an <httpPlatform> or <aspNetCore> element.
func (w *webConfig) startPlatform(e xml.StartElement, at pos) {
	p := &wcPlatform{element: e.Name.Local, at: at, attrs: map[string]string{}}
	for _, a := range e.Attr {
		p.attrs[strings.ToLower(a.Name.Local)] = a.Value
	}
	w.cur.platform = p
}

// attr returns an attribute's value by case-insensitive local name.
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func addVar(vars []draftVar, v draftVar) []draftVar {
	if v.name == "" {
		return vars
	}
	return append(vars, v)
}

func removeVar(vars []draftVar, name string) []draftVar {
	out := vars[:0:0]
	for _, v := range vars {
		if !strings.EqualFold(v.name, name) {
			out = append(out, v)
		}
	}
	return out
}

func removeHandler(hs []*wcHandler, name string) []*wcHandler {
	out := hs[:0:0]
	for _, h := range hs {
		if !strings.EqualFold(h.name, name) {
			out = append(out, h)
		}
	}
	return out
}

// locationRoot is the physical folder of a <location>: its sub-folder when one
// exists, otherwise the file's folder.
func (w *webConfig) locationRoot(s *wcScope) string {
	if s.location == "" {
		return ""
	}
	sub := filepath.Join(filepath.Dir(w.file), filepath.FromSlash(s.location))
	if isDir(sub) {
		return s.location
	}
	return ""
}
