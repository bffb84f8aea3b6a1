// Package config loads a zoo-dev site from a web.config (IIS + Helicon Zoo, or
// Microsoft's wfastcgi form) or a zoo.toml into one validated model.
//
// Loading is decode → expand → validate. Every error a user can cause names the
// file, the line and column, the app, the setting and the bad value.
package config

import "time"

// DefaultListen is the HTTP address used when neither the file nor a flag sets one.
const DefaultListen = "127.0.0.1:8080"

// Site is one resolved project: where to listen and the apps to host.
type Site struct {
	// File is the absolute path of the web.config or zoo.toml that was loaded.
	File string `json:"file"`
	// Format is "web.config" or "zoo.toml".
	Format string `json:"format"`
	// Listen is the HTTP address; default DefaultListen. zoo.toml only (web.config has no such setting).
	Listen string `json:"listen"`
	// NoLiveReload is zoo.toml's live_reload = false: HTML pages get no script that
	// reloads them when new code serves.
	NoLiveReload bool `json:"no_live_reload,omitempty"`
	// Apps in the order the file lists them; at least one.
	Apps []*App `json:"apps"`
	// Engines are the custom engines, by name: those zoo.toml declares ([engines."name"]),
	// and one per web.config <httpPlatform> or <aspNetCore> element, named after its
	// module ("httpPlatformHandler", "AspNetCoreModuleV2"). An app runs with the engine
	// its Engine names; Python engines are not in this map.
	Engines map[string]*Engine `json:"engines,omitempty"`
	// Static are the folders IIS serves as plain files because their web.config removes
	// the app's handler; empty for zoo.toml.
	Static []StaticFolder `json:"static,omitempty"`
	// Limits are the HTTP front's limits; DefaultLimits() unless zoo.toml sets them.
	Limits Limits `json:"limits"`
	// Warnings are non-fatal findings (e.g. "python2.7 not installed, using python3.11"),
	// each one line naming the file.
	Warnings []string `json:"warnings,omitempty"`
}

// App is one WSGI application: a URL prefix served by a set of workers.
type App struct {
	// Name is the Helicon application name (e.g. "WSGI.project").
	Name string `json:"name"`
	// Path is the URL prefix, "/" or "/mount" without a trailing slash; default "/".
	// It becomes SCRIPT_NAME ("" at "/") and %APPL_VIRTUAL_PATH%.
	Path string `json:"path"`
	// Root is the absolute physical folder of the app (%APPL_PHYSICAL_PATH%);
	// default the folder holding the config file.
	Root string `json:"root"`
	// Engine names the engine, e.g. "python.3.wsgi", "python.2.7.wsgi", "wfastcgi" or a custom one.
	Engine string `json:"engine"`
	// Python is the resolved interpreter (absolute path) for Python engines; empty for custom engines.
	Python string `json:"python,omitempty"`
	// MinWorkers and MaxWorkers bound the worker count; defaults 1 and 4.
	MinWorkers int `json:"min_workers"`
	MaxWorkers int `json:"max_workers"`
	// Threads is the number of concurrent requests one worker serves; default 4.
	Threads int `json:"threads"`
	// Env is every environment variable the file sets for the app, expanded, in file order.
	// It includes the ones zoo-dev acts on below.
	Env []EnvVar `json:"env"`

	// WSGIApp is "module.attr" or "module:attr" (WSGI_APP, or wfastcgi's WSGI_HANDLER).
	WSGIApp string `json:"wsgi_app,omitempty"`
	// DjangoSettings is DJANGO_SETTINGS_MODULE, used when WSGIApp is empty.
	DjangoSettings string `json:"django_settings,omitempty"`
	// PythonPath is PYTHONPATH split into native absolute paths, empty elements dropped.
	PythonPath []string `json:"python_path,omitempty"`
	// DeployFile is the absolute path of DEPLOY_FILE; empty when unset.
	DeployFile string `json:"deploy_file,omitempty"`
	// DeployLog is the absolute path of DEPLOY_LOG; empty means the deploy output goes to the browser.
	DeployLog string `json:"deploy_log,omitempty"`
	// ErrorLogDir is the absolute path of ERROR_LOG_DIR (or the folder of wfastcgi's WSGI_LOG);
	// empty when unset.
	ErrorLogDir string `json:"error_log_dir,omitempty"`
	// ErrorLogFile is wfastcgi's WSGI_LOG file (absolute); empty otherwise.
	ErrorLogFile string `json:"error_log_file,omitempty"`
	// WatchMasks are the globs of WATCH_FILE_CHANGES_MASK split on ';' and '|'; empty means no watching.
	WatchMasks []string `json:"watch_masks,omitempty"`
	// WatchRegex is wfastcgi's WSGI_RESTART_FILE_REGEX; empty when unset.
	WatchRegex string `json:"watch_regex,omitempty"`
	// Timeouts for the app's requests.
	RequestTimeout time.Duration `json:"request_timeout"` // default 60s: idle read limit between two chunks of the response
	StartTimeout   time.Duration `json:"start_timeout"`   // default 30s: how long a request waits for a ready worker
}

// EnvVar is one environment variable, already expanded.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// StaticFolder is a URL prefix answered from the files of a folder, as IIS's static
// file handler would: GET and HEAD only, no directory listing, nothing outside Root.
type StaticFolder struct {
	// Path is the URL prefix, "/static" (no trailing slash); it is longer than the
	// path of the app it sits in, and wins over it.
	Path string `json:"path"`
	// Root is the absolute physical folder.
	Root string `json:"root"`
}

// Engine is a custom engine: a command that serves the app itself. zoo.toml declares
// them ([engines."name"]); a web.config's <httpPlatform> (HttpPlatformHandler) or
// <aspNetCore> (ASP.NET Core Module) element is one with Protocol "http".
type Engine struct {
	// Command is the program to run: a name looked up in PATH, or an absolute path
	// (a web.config's python.exe becomes the local interpreter).
	Command string `json:"command"`
	// Args are its arguments. The host replaces %SOCKET% with the worker's address
	// and %PORT% with the port it picked (a web.config's %HTTP_PLATFORM_PORT% and
	// %ASPNETCORE_PORT% are written %PORT% here); other %VAR%s are already expanded
	// for web.config engines. Paths in a web.config's arguments are native.
	Args []string `json:"args,omitempty"`
	// Protocol is "fastcgi" (default) or "http": the process serves HTTP/1.1 on
	// 127.0.0.1:%PORT% and the proxy forwards requests to it unchanged.
	Protocol string `json:"protocol"`
	// Transport is "unix" (default) or "tcp"; a web.config's http engine is "tcp".
	Transport string `json:"transport"`
	// PortEnv names the environment variables the host sets to the picked port
	// for an "http" engine, over the app's Env: for a web.config HTTP_PLATFORM_PORT and
	// ASPNETCORE_PORT, plus every variable whose value was only the port (PORT in
	// <environmentVariable name="PORT" value="%HTTP_PLATFORM_PORT%"/>); zoo.toml's
	// port_env, default ["PORT"]. %PORT% inside a value of the app's Env stands
	// for the port too.
	PortEnv []string `json:"port_env,omitempty"`
	// StartRetries is how many times in a row the host starts the process again when
	// it exits or does not accept within the app's StartTimeout before it reports the
	// app failed (startupRetryCount, default 10 in a web.config); 0 means the host's own policy.
	StartRetries int `json:"start_retries,omitempty"`
}
