package config

import (
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

func TestExpand(t *testing.T) {
	x := newExpander("/srv/app", "/blog")
	x.getenv = func(name string) (string, bool) {
		v, ok := map[string]string{"HOME": "/home/me", "PYTHONPATH": "/proc/pp"}[name]
		return v, ok
	}
	x.set("PYTHONPATH", "/mine")
	for _, tc := range []struct{ in, self, want string }{
		{"%APPL_PHYSICAL_PATH%\\lib", "", "/srv/app\\lib"},
		{"%appl_virtual_path%/static", "", "/blog/static"},
		{"%HOME%/x", "", "/home/me/x"},
		{"%PYTHONPATH%", "OTHER", "/mine"},
		{"%PYTHONPATH%;x", "PYTHONPATH", "/proc/pp;x"},
		{"%UNSET_VAR_FOR_TEST%", "", ""},
		{"100% sure", "", "100% sure"},
		{"50% or 60%", "", "50% or 60%"},
		{"%", "", "%"},
		{"%%", "", "%%"},
	} {
		if got := x.expand(tc.in, tc.self); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitPathList(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix conversion")
	}
	root := "/srv/app"
	for _, tc := range []struct {
		in             string
		paths, dropped []string
	}{
		{`/srv/app;/srv/app\python_modules\Lib\site-packages;`, []string{root, filepath.Join(root, "python_modules/Lib/site-packages")}, nil},
		{"a:b;;../c", []string{root + "/a", root + "/b", "/srv/c"}, nil},
		{`C:\Python27\Lib;lib`, []string{root + "/lib"}, []string{`C:\Python27\Lib`}},
		{" ; ;", nil, nil},
		{`.\`, []string{root}, nil},
	} {
		paths, dropped := splitPathList(tc.in, root)
		if !reflect.DeepEqual(paths, tc.paths) || !reflect.DeepEqual(dropped, tc.dropped) {
			t.Errorf("splitPathList(%q) = %q %q, want %q %q", tc.in, paths, dropped, tc.paths, tc.dropped)
		}
	}
}

func TestWSGIAppForm(t *testing.T) {
	for in, ok := range map[string]bool{
		"wsgi.application": true, "pkg.mod.app": true, "pkg.mod:app": true, "mod:obj.attr": true, "_m.a1": true,
		"wsgi": false, "wsgi.": false, ".app": false, "a:b:c": false, "a()": false, "a.b(x)": false,
		"a.b()": true, "app.create_app().wsgi_app": true, "mod:make()": true, "a b.c": false, "1a.b": false, "": false,
	} {
		if wsgiAppForm.MatchString(in) != ok {
			t.Errorf("%q: got %v, want %v", in, !ok, ok)
		}
	}
}
