package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// TestPythonFinder checks the order: virtualenv, requested version, python3.
func TestPythonFinder(t *testing.T) {
	root := t.TempDir()
	venv := filepath.Join(root, ".venv", "bin", "python")
	other := filepath.Join(t.TempDir(), "env")
	for _, p := range []string{venv, filepath.Join(other, "bin", "python")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	machine := map[string]string{"python3": "3.11", "python3.12": "3.12", "python2.7": "", "python": "2.7", "": ""}
	machine[venv] = "3.10"
	machine[filepath.Join(other, "bin", "python")] = "3.9"
	tests := []struct {
		name, root, virtualEnv, want string
		exe, version, warning        string
	}{
		{"venv wins over the version", root, "", "3.12", venv, "3.10", ""},
		{"VIRTUAL_ENV wins over .venv", root, other, "3", filepath.Join(other, "bin", "python"), "3.9", ""},
		{"version asked and installed", t.TempDir(), "", "3.12", "/fake/bin/python3.12", "3.12", ""},
		{"python.3.wsgi takes python3", t.TempDir(), "", "3", "/fake/bin/python3", "3.11", ""},
		{"2.7 shim that fails falls back", t.TempDir(), "", "2.7", "/fake/bin/python3", "3.11", "python2.7 is not installed; using /fake/bin/python3 (Python 3.11)"},
		{"3.13 missing falls back", t.TempDir(), "", "3.13", "/fake/bin/python3", "3.11", "python3.13 is not installed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := fakePython(machine).find(tc.root, tc.virtualEnv, tc.want, "")
			if err != nil {
				t.Fatal(err)
			}
			if c.exe != tc.exe || c.version != tc.version || !strings.HasPrefix(c.warning, tc.warning) || (tc.warning == "") != (c.warning == "") {
				t.Errorf("got %+v, want %s %s %q", c, tc.exe, tc.version, tc.warning)
			}
		})
	}
}

// TestNoPython is an error that names the setting and the fix.
func TestNoPython(t *testing.T) {
	dir := writeProject(t, map[string]string{"zoo.toml": "[[app]]\nname = \"a\"\nengine = \"python.3.8.wsgi\"\nenv = { WSGI_APP = \"a.b\" }\n"})
	_, err := load(dir, fakePython(map[string]string{"python": "2.7"}))
	if err == nil || !strings.Contains(err.Error(), `:3:1: application "a": engine "python.3.8.wsgi": no Python 3 interpreter found (tried `) ||
		!strings.Contains(err.Error(), "install Python 3 or create a virtualenv in .venv") {
		t.Errorf("err = %v", err)
	}
}

// TestVirtualEnvSetting reads VIRTUAL_ENV from the app's own variables.
func TestVirtualEnvSetting(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"zoo.toml":            "[[app]]\nname = \"a\"\n[app.env]\nVIRTUAL_ENV = \"envs\\\\web\"\nWSGI_APP = \"a.b\"\n",
		"envs/web/bin/python": "", "envs/web/Scripts/python.exe": "",
	})
	bin := filepath.Join(dir, "envs", "web", "bin", "python")
	if runtime.GOOS == "windows" {
		bin = filepath.Join(dir, "envs", "web", "Scripts", "python.exe")
	}
	s, err := load(dir, fakePython(map[string]string{"python3": "3.11", bin: "3.12"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Apps[0].Python != bin {
		t.Errorf("Python = %q, want the VIRTUAL_ENV interpreter %q", s.Apps[0].Python, bin)
	}
}

// TestRealVirtualenv resolves a .venv made of a link to the real python3.
func TestRealVirtualenv(t *testing.T) {
	needPython3(t)
	if runtime.GOOS == "windows" {
		t.Skip("uses a symlink")
	}
	real, _, err := probePython("python3", ".")
	if err != nil {
		testtool.Missing(t, "python3 does not run: %v", err)
	}
	dir := writeProject(t, map[string]string{"zoo.toml": "[[app]]\nname = \"a\"\nenv = { WSGI_APP = \"a.b\" }\n"})
	link := filepath.Join(dir, ".venv", "bin", "python")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VIRTUAL_ENV", "")
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Apps[0].Python; !strings.HasPrefix(got, filepath.Join(dir, ".venv")) {
		t.Errorf("Python = %q, want the .venv interpreter", got)
	}
}

// TestEngineVersions reads the version a Helicon engine name asks for.
func TestEngineVersions(t *testing.T) {
	for engine, want := range map[string]string{"python.3.wsgi": "3", "python.2.7.wsgi": "2.7", "python.3.11.wsgi": "3.11", "python.wsgi": "-", "python.3.x.wsgi": "-"} {
		got, ok := engineVersion(engine)
		if !ok {
			got = "-"
		}
		if got != want {
			t.Errorf("engineVersion(%q) = %q, want %q", engine, got, want)
		}
	}
	if v := wfastcgiVersion(`C:\Python310\python.exe`); v != "3.10" {
		t.Errorf("wfastcgiVersion = %q", v)
	}
}
