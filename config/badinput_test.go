package config

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// badCase is one file a user might write wrong, and the error it must give.
type badCase struct {
	name      string
	file      string // web.config or zoo.toml
	content   string
	line, col int
	app       string
	setting   string
	msg       string // a part of the message
}

const okEnv = `WSGI_APP = "wsgi.application"`

var badWebConfigs = []badCase{
	{name: "malformed XML", file: "web.config", content: "<configuration><system.webServer>\n  <heliconZoo>\n</configuration>\n",
		line: 3, col: 1, msg: "malformed XML: element <heliconZoo> closed by </configuration>"},
	{name: "unclosed tag", file: "web.config", content: "<configuration>\n  <add name=\"x\"\n",
		line: 3, msg: "malformed XML: unexpected EOF"},
	{name: "empty file", file: "web.config", content: "", line: 1, col: 1, msg: "no root element"},
	{name: "not a web.config", file: "web.config", content: "\n<html><body/></html>", line: 2, col: 1, msg: "root element is <html>"},
	{name: "no app found", file: "web.config",
		content: `<configuration><system.webServer><handlers><add name="StaticFile" modules="StaticFileModule" /></handlers></system.webServer></configuration>`,
		line:    1, col: 1, msg: "no application found"},
	{name: "unknown engine", file: "web.config", content: heliconConfig([]string{envAdd("WSGI_APP", "wsgi.application")}, "ruby.1.9.rack"),
		line: 10, col: 5, app: "app", setting: "scriptProcessor", msg: "zoo-dev runs Python engines only"},
	{name: "bad mask", file: "web.config", content: heliconConfig([]string{envAdd("WSGI_APP", "wsgi.application"), envAdd("WATCH_FILE_CHANGES_MASK", "*.py;[")}, "python.3.wsgi"),
		line: 6, col: 9, app: "app", setting: "WATCH_FILE_CHANGES_MASK", msg: `bad pattern "["`},
	{name: "WSGI_APP without attribute", file: "web.config", content: heliconConfig([]string{envAdd("WSGI_APP", "wsgi")}, "python.3.wsgi"),
		line: 5, col: 9, app: "app", setting: "WSGI_APP", msg: "module.attr or module:attr"},
	{name: "WSGI_APP with a path", file: "web.config", content: heliconConfig([]string{envAdd("WSGI_APP", "app/wsgi.py:app")}, "python.3.wsgi"),
		line: 5, col: 9, app: "app", setting: "WSGI_APP", msg: "module.attr or module:attr"},
	{name: "WSGI_APP missing", file: "web.config", content: heliconConfig([]string{envAdd("DEPLOY_LOG", "deploy.log")}, "python.3.wsgi"),
		line: 3, col: 5, app: "app", setting: "WSGI_APP", msg: "not set"},
	{name: "DEPLOY_FILE missing", file: "web.config", content: heliconConfig([]string{envAdd("WSGI_APP", "wsgi.application"), envAdd("DEPLOY_FILE", "deploy.py")}, "python.3.wsgi"),
		line: 6, col: 9, app: "app", setting: "DEPLOY_FILE", msg: "file not found"},
	{name: "min over max", file: "web.config",
		content: strings.Replace(heliconConfig([]string{envAdd("WSGI_APP", "wsgi.application")}, "python.3.wsgi"), `<application name="app">`, `<application name="app" minInstances="5" maxInstances="2">`, 1),
		line:    3, col: 5, app: "app", setting: "minInstances", msg: "greater than maxInstances (2)"},
	{name: "two apps on one path", file: "web.config", content: `<configuration>
<system.webServer><handlers>
  <add name="one#x64" scriptProcessor="python.3.wsgi" modules="HeliconZoo_x64" />
  <add name="two#x64" scriptProcessor="python.3.wsgi" modules="HeliconZoo_x64" />
</handlers>
<heliconZoo>
  <application name="one"><environmentVariables><add name="WSGI_APP" value="a.app" /></environmentVariables></application>
  <application name="two"><environmentVariables><add name="WSGI_APP" value="b.app" /></environmentVariables></application>
</heliconZoo></system.webServer></configuration>`,
		line: 4, col: 3, app: "two", setting: "location path", msg: `already served by application "one"`},
	{name: "wfastcgi bad regex", file: "web.config", content: `<configuration>
  <appSettings>
    <add key="WSGI_HANDLER" value="app.app" />
    <add key="WSGI_RESTART_FILE_REGEX" value=".*((\.py)|(\.config)$" />
  </appSettings>
  <system.webServer><handlers>
    <add name="Python FastCGI" path="*" verb="*" modules="FastCgiModule" scriptProcessor="C:\Python36\python.exe|C:\Python36\Lib\site-packages\wfastcgi.py" />
  </handlers></system.webServer>
</configuration>`,
		line: 4, col: 5, app: "Python FastCGI", setting: "WSGI_RESTART_FILE_REGEX", msg: "bad regular expression: missing closing )"},
	{name: "ruby engine", file: "web.config", content: heliconConfig([]string{envAdd("RACK_ENV", "production")}, "ruby.1.9.rack"),
		line: 10, col: 5, app: "app", setting: "scriptProcessor", msg: "zoo-dev runs Python engines only"},
	{name: "node engine", file: "web.config", content: heliconConfig(nil, "nodejs.http"),
		line: 9, col: 5, app: "app", setting: "scriptProcessor", msg: "zoo-dev runs Python engines only"},
	{name: "php engine", file: "web.config", content: heliconConfig(nil, "php.5.2.pipe"),
		line: 9, col: 5, app: "app", setting: "scriptProcessor", msg: "zoo-dev runs Python engines only"},
	{name: "java engine", file: "web.config", content: heliconConfig(nil, "java.jetty.8"),
		line: 9, col: 5, app: "app", setting: "scriptProcessor", msg: "zoo-dev runs Python engines only"},
	{name: "only removes handlers", file: "web.config", content: "<configuration><system.webServer><handlers>\n  <clear />\n</handlers></system.webServer></configuration>",
		line: 2, col: 3, msg: "holds no app"},
	{name: "virtualenv proxy without the app", file: "web.config", content: `<configuration><appSettings>
  <add key="WSGI_HANDLER" value="ptvs_virtualenv_proxy.get_virtualenv_handler()" />
</appSettings></configuration>`,
		line: 2, col: 3, app: "wfastcgi", setting: "WSGI_HANDLER", msg: "WSGI_ALT_VIRTUALENV_HANDLER, which is not set"},
	{name: "settings.py not found", file: "web.config", content: heliconConfig([]string{envAdd("DJANGO_SETTINGS_MODULE", `mysite\settings.py`)}, "python.2.7.pipe"),
		line: 5, col: 9, app: "app", setting: "DJANGO_SETTINGS_MODULE", msg: "settings file not found"},
	{name: "django.root not a path", file: "web.config", content: heliconConfig([]string{envAdd("DJANGO_SETTINGS_MODULE", "a.settings"), envAdd("django.root", "/a b")}, "python.3.wsgi"),
		line: 6, col: 9, app: "app", setting: "django.root", msg: "not a URL path"},
	{name: "httpPlatformHandler without its element", file: "web.config", content: "<configuration><system.webServer><handlers>\n<add name=\"PythonHandler\" path=\"*\" verb=\"*\" modules=\"httpPlatformHandler\" />\n</handlers></system.webServer></configuration>",
		line: 2, col: 1, app: "PythonHandler", setting: "modules", msg: "the file has none"},
	{name: "httpPlatform without processPath", file: "web.config", content: "<configuration><system.webServer>\n<httpPlatform arguments=\"app.py\" />\n</system.webServer></configuration>",
		line: 2, col: 1, app: "httpPlatform", setting: "processPath", msg: "not set"},
	{name: "httpPlatform bad requestTimeout", file: "web.config", content: "<configuration><system.webServer>\n <httpPlatform processPath=\"python\" requestTimeout=\"120\" />\n</system.webServer></configuration>",
		line: 2, col: 2, app: "httpPlatform", setting: "requestTimeout", msg: "hh:mm:ss"},
	{name: "aspNetCore bad processes", file: "web.config", content: "<configuration><system.webServer>\n <aspNetCore processPath=\"python\" processesPerApplication=\"many\" />\n</system.webServer></configuration>",
		line: 2, col: 2, app: "aspNetCore", setting: "processesPerApplication", msg: "whole number"},
}

var badTOMLs = []badCase{
	{name: "malformed TOML", file: "zoo.toml", content: "listen = \"127.0.0.1:8080\"\n[[app]\n", line: 2, col: 6, msg: "malformed TOML: expected end of table array name delimiter"},
	{name: "unterminated string", file: "zoo.toml", content: "[[app]]\nname = \"x\n", line: 2, msg: "malformed TOML"},
	{name: "no app found", file: "zoo.toml", content: "listen = \"127.0.0.1:8080\"\n", line: 1, col: 1, msg: "no application found; add an [[app]] table"},
	{name: "unknown engine", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nengine = \"ruby.rack\"\n[app.env]\n" + okEnv + "\n",
		line: 3, col: 1, app: "a", setting: "engine", msg: `unknown engine; use one of python.3.wsgi, python.X.Y.wsgi, wfastcgi`},
	{name: "bad mask", file: "zoo.toml", content: "[[app]]\nname = \"a\"\n[app.env]\n" + okEnv + "\nWATCH_FILE_CHANGES_MASK = \"*.py|[a-\"\n",
		line: 5, col: 1, app: "a", setting: "WATCH_FILE_CHANGES_MASK", msg: "bad pattern"},
	{name: "WSGI_APP bad form", file: "zoo.toml", content: "[[app]]\nname = \"a\"\n[app.env]\nWSGI_APP = \"wsgi.\"\n",
		line: 4, col: 1, app: "a", setting: "WSGI_APP", msg: "module.attr or module:attr"},
	{name: "DJANGO_SETTINGS_MODULE bad", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nenv = { DJANGO_SETTINGS_MODULE = \"my-site/settings\" }\n",
		line: 3, col: 9, app: "a", setting: "DJANGO_SETTINGS_MODULE", msg: "settings file not found"},
	{name: "DJANGO_SETTINGS_MODULE neither", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nenv = { DJANGO_SETTINGS_MODULE = \"my site\" }\n",
		line: 3, col: 9, app: "a", setting: "DJANGO_SETTINGS_MODULE", msg: "not a Python module name"},
	{name: "DEPLOY_FILE missing", file: "zoo.toml", content: "[[app]]\nname = \"a\"\n  [app.env]\n  " + okEnv + "\n  DEPLOY_FILE = 'scripts\\deploy.py'\n",
		line: 5, col: 3, app: "a", setting: "DEPLOY_FILE", msg: "file not found"},
	{name: "min over max", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nmin_workers = 5\nmax_workers = 2\n[app.env]\n" + okEnv + "\n",
		line: 3, col: 1, app: "a", setting: "min_workers", msg: "greater than max_workers (2)"},
	{name: "max zero", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nmax_workers = 0\n[app.env]\n" + okEnv + "\n",
		line: 3, col: 1, app: "a", setting: "max_workers", msg: "must be 1 or more"},
	{name: "two apps on one path", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nenv = { " + okEnv + " }\n[[app]]\nname = \"b\"\npath = \"/\"\nenv = { " + okEnv + " }\n",
		line: 6, col: 1, app: "b", setting: "path", msg: `already served by application "a" (line 2)`},
	{name: "listen without port", file: "zoo.toml", content: "listen = \"localhost\"\n", line: 1, col: 1, setting: "listen", msg: "not an address"},
	{name: "listen port too big", file: "zoo.toml", content: "# a comment\nlisten = \"127.0.0.1:99999\"\n", line: 2, col: 1, setting: "listen", msg: "port must be a number"},
	{name: "unknown key", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nworkers = 3\n", line: 3, col: 1, app: "a", setting: "workers", msg: "unknown key; known keys here: name, path"},
	{name: "key in wrong case", file: "zoo.toml", content: "[[app]]\nNAME = \"a\"\n", line: 2, col: 1, setting: "NAME", msg: `unknown key; did you mean "name"?`},
	{name: "unknown top-level key", file: "zoo.toml", content: "listen = \"127.0.0.1:1\"\nport = 8080\n", line: 2, col: 1, setting: "port", msg: "unknown key"},
	{name: "unknown engine key", file: "zoo.toml", content: "[engines.\"u\"]\ncommand = \"uwsgi\"\nprotocl = \"http\"\n", line: 3, col: 1, setting: "engines.u.protocl", msg: "unknown key"},
	{name: "bad engine protocol", file: "zoo.toml", content: "[engines.u]\ncommand = \"uwsgi\"\nprotocol = \"scgi\"\n", line: 3, col: 1, setting: "engines.u.protocol", msg: "must be one of fastcgi, http"},
	{name: "wrong type", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nmin_workers = \"2\"\n", line: 3, col: 1, app: "a", setting: "min_workers", msg: "must be a whole number"},
	{name: "env not a string", file: "zoo.toml", content: "[[app]]\nname = \"a\"\n[app.env]\nPORT = 8000\n", line: 4, col: 1, app: "a", setting: "PORT", msg: "must be a string"},
	{name: "bad duration", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nrequest_timeout = \"60\"\n", line: 3, col: 1, app: "a", setting: "request_timeout", msg: "not a positive duration"},
	{name: "app as a table", file: "zoo.toml", content: "[app]\nname = \"a\"\n", line: 1, col: 2, setting: "app", msg: "[[app]]"},
	{name: "root missing", file: "zoo.toml", content: "[[app]]\nname = \"a\"\nroot = \"src\"\n", line: 3, col: 1, app: "a", setting: "root", msg: "folder does not exist"},
	{name: "path with a query", file: "zoo.toml", content: "[[app]]\nname = \"a\"\npath = \"/x?y\"\n", line: 3, col: 1, app: "a", setting: "path", msg: "not a URL path"},
	{name: "bad variable name", file: "zoo.toml", content: "[[app]]\nname = \"a\"\n[app.env]\n\"A=B\" = \"x\"\n", line: 4, col: 1, app: "a", msg: "bad variable name \"A=B\""},
	{name: "no name", file: "zoo.toml", content: "[[app]]\npath = \"/x\"\n", line: 1, col: 3, setting: "name", msg: "needs a name"},
	{name: "name twice", file: "zoo.toml", content: "[[app]]\nname = \"a\"\npath = \"/a\"\nenv = { " + okEnv + " }\n[[app]]\nname = \"a\"\npath = \"/b\"\n",
		line: 6, col: 1, app: "a", msg: "declared twice (first at line 2)"},
}

// oneLineError is FILE:LINE:COL: or FILE:LINE: then the message, nothing more.
var oneLineError = regexp.MustCompile(`^\S*(web\.config|zoo\.toml):\d+(:\d+)?: [^\n]+$`)

// TestBadInput checks that each mistake gives one line naming the file, the
// place, the app and the setting, never a panic.
func TestBadInput(t *testing.T) {
	for _, tc := range append(append([]badCase{}, badWebConfigs...), badTOMLs...) {
		t.Run(tc.file+"/"+tc.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{tc.file: tc.content})
			_, err := load(dir, onlyPython3())
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v (%T), want *Error", err, err)
			}
			line := ce.Error()
			if !oneLineError.MatchString(line) {
				t.Errorf("not one FILE:LINE:COL line: %q", line)
			}
			if ce.Line != tc.line || (tc.col != 0 && ce.Col != tc.col) {
				t.Errorf("at %d:%d, want %d:%d (%s)", ce.Line, ce.Col, tc.line, tc.col, line)
			}
			if ce.App != tc.app || ce.Setting != tc.setting {
				t.Errorf("app %q setting %q, want %q %q (%s)", ce.App, ce.Setting, tc.app, tc.setting, line)
			}
			if !strings.Contains(ce.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", ce.Msg, tc.msg)
			}
		})
	}
}

// TestMissingProject checks the errors for a folder without a config file and
// for a folder that does not exist: one line with the fix.
func TestMissingProject(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{empty, "no web.config or zoo.toml here; run `zoo-dev init " + empty + "` to create one"},
		{empty + "/nope", "no such file or folder; run `zoo-dev init " + empty + "/nope` to create a project there"},
	} {
		_, err := Load(tc.path)
		var ce *Error
		if !errors.As(err, &ce) || !strings.HasSuffix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%s) = %v, want one line ending %q", tc.path, err, tc.want)
		}
	}
}
