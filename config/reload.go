package config

import (
	"encoding/json"
	"reflect"
	"sort"
)

// Change is what differs between two loads of one site, so that a running
// zoo-dev applies an edited web.config or zoo.toml: apps are matched by name.
type Change struct {
	Added   []string `json:"added,omitempty"`   // apps only the new site has, in its order
	Removed []string `json:"removed,omitempty"` // apps only the old site had, in its order
	Changed []string `json:"changed,omitempty"` // apps in both whose settings or engine differ
	Listen  bool     `json:"listen,omitempty"`  // the HTTP address differs (needs a restart)
	Static  bool     `json:"static,omitempty"`  // the static folders differ
}

// None reports that the two loads serve the same thing.
func (c Change) None() bool {
	return len(c.Added)+len(c.Removed)+len(c.Changed) == 0 && !c.Listen && !c.Static
}

// Reload loads the file old was loaded from again and tells what changed. When
// the file no longer loads, it returns the error (an *Error with its position)
// and the caller keeps serving old.
func Reload(old *Site) (*Site, Change, error) {
	s, err := Load(old.File)
	if err != nil {
		return nil, Change{}, err
	}
	return s, Diff(old, s), nil
}

// Diff compares two sites app by app.
func Diff(old, cur *Site) Change {
	var c Change
	before := map[string]*App{}
	for _, a := range old.Apps {
		before[a.Name] = a
	}
	seen := map[string]bool{}
	for _, a := range cur.Apps {
		seen[a.Name] = true
		prev, ok := before[a.Name]
		switch {
		case !ok:
			c.Added = append(c.Added, a.Name)
		case !sameJSON(prev, a) || !sameJSON(old.Engines[prev.Engine], cur.Engines[a.Engine]):
			c.Changed = append(c.Changed, a.Name)
		}
	}
	for _, a := range old.Apps {
		if !seen[a.Name] {
			c.Removed = append(c.Removed, a.Name)
		}
	}
	c.Listen = old.Listen != cur.Listen
	c.Static = !reflect.DeepEqual(sortedStatic(old.Static), sortedStatic(cur.Static))
	return c
}

func sameJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

func sortedStatic(list []StaticFolder) []StaticFolder {
	out := append([]StaticFolder{}, list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if len(out) == 0 {
		return nil
	}
	return out
}
