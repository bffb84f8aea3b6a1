package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReload: an edited web.config reloads into the apps that changed; one that
// no longer loads gives its positioned error and leaves the caller's site as it was.
func TestReload(t *testing.T) {
	needPython3(t)
	one := heliconConfig([]string{envAdd("WSGI_APP", "a.app"), envAdd("GREETING", "hello")}, "python.3.wsgi")
	dir := writeProject(t, map[string]string{"web.config": one})
	old, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "web.config")
	if _, c, err := Reload(old); err != nil || !c.None() {
		t.Fatalf("unchanged file: %+v %v", c, err)
	}
	write := func(content string) {
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(strings.Replace(one, `value="hello"`, `value="bonjour"`, 1))
	cur, c, err := Reload(old)
	if err != nil || !reflect.DeepEqual(c, Change{Changed: []string{"app"}}) {
		t.Fatalf("changed variable: %+v %v", c, err)
	}
	if v, _ := lookupEnv(cur.Apps[0].Env, "GREETING"); v != "bonjour" {
		t.Errorf("GREETING = %q", v)
	}
	write(strings.ReplaceAll(one, `"app`, `"web`))
	if _, c, _ = Reload(old); !reflect.DeepEqual(c, Change{Added: []string{"web"}, Removed: []string{"app"}}) {
		t.Errorf("renamed app: %+v", c)
	}
	write(strings.Replace(one, "</heliconZoo>", "", 1))
	var ce *Error
	if _, _, err := Reload(old); !errors.As(err, &ce) || ce.Line == 0 {
		t.Errorf("broken file: %v, want a positioned *Error", err)
	}
	if v, _ := lookupEnv(old.Apps[0].Env, "GREETING"); v != "hello" {
		t.Errorf("the old site changed: GREETING = %q", v)
	}
}
