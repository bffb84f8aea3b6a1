package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCommandLine: each command line gives its documented output, on the
// documented stream, and exit status. It runs the program in-process; none of
// the cases gets as far as starting a worker.
func TestCommandLine(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	nodir := filepath.Join(t.TempDir(), "nodir")
	shown := nodir // errors name a file relative to the working folder when that is shorter
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, nodir); err == nil && len(rel) < len(nodir) {
			shown = rel
		}
	}
	missing := regexp.QuoteMeta(shown + ": no such file or folder; run `zoo-dev init " + nodir + "` to create a project there")
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // a regexp the output must match ("" : must be empty)
		stderr string
	}{
		{"--help on stdout with the README's spelling", []string{"--help"}, 0,
			`(?s)Usage:.*zoo-dev \[flags\] \[DIR\].*--config FILE .*--listen ADDR .*--no-tui .*--workers N `, ""},
		{"-h is --help", []string{"-h"}, 0, `--config FILE`, ""},
		{"help", []string{"help"}, 0, `(?s)zoo-dev check \[flags\] \[DIR\].*zoo-dev init \[flags\] \[DIR\].*zoo-dev help \[COMMAND\]`, ""},
		{"help of a command lists its flags", []string{"help", "check"}, 0, `(?s)Usage: zoo-dev check \[flags\] \[DIR\].*--json `, ""},
		{"a command's --help", []string{"init", "--help"}, 0, `(?s)Usage: zoo-dev init \[flags\] \[DIR\]\n\nWrite a zoo.toml.*--sample`, ""},
		{"help of the run", []string{"help", "run"}, 0, `--log-format FORMAT`, ""},
		{"help of an unknown command", []string{"help", "nope"}, 2, "", `^zoo-dev help: unknown command "nope"; the commands are: check, init, version, help\n$`},
		{"version", []string{"version"}, 0, `^zoo-dev dev\n$`, ""},
		{"--version", []string{"--version"}, 0, `^zoo-dev dev\n$`, ""},
		{"flags after the folder", []string{nodir, "--no-tui"}, 1, "", "^" + missing + "\n$"},
		{"check: extra arguments are an error", []string{"check", ".", "other"}, 2, "",
			`^zoo-dev check: one folder at most, got "\." "other"; see zoo-dev help check\n$`},
		{"run: extra arguments are an error", []string{"sample", "other", "--no-tui"}, 2, "",
			`^zoo-dev: one folder at most, got "sample" "other"; see zoo-dev help\n$`},
		{"version takes no arguments", []string{"version", "x"}, 2, "", `^zoo-dev version: no arguments, got "x"`},
		{"a missing folder: run", []string{"--no-tui", nodir}, 1, "", "^" + missing + "\n$"},
		{"a missing folder: check, the same line", []string{"check", nodir}, 1, "", "^" + missing + "\n$"},
		{"--listen accepts a URL", []string{"--listen", "http://127.0.0.1:8080/", nodir}, 1, "", "^" + missing + "\n$"},
		{"--listen rejects https", []string{"--listen", "https://127.0.0.1:8080/"}, 2, "",
			`^zoo-dev: --listen https://127\.0\.0\.1:8080/: zoo-dev serves plain HTTP on an address; use HOST:PORT or http://HOST:PORT/; see zoo-dev help\n$`},
		{"--listen without a port", []string{"--listen", "localhost"}, 2, "", `^zoo-dev: --listen localhost: want HOST:PORT, e\.g\. 127\.0\.0\.1:8080`},
		{"an unknown flag", []string{"--no-such-flag"}, 2, "", `^zoo-dev: flag not known: --no-such-flag; see zoo-dev help\n$`},
		{"an unknown flag of a command", []string{"check", "--nope"}, 2, "", `^zoo-dev check: flag not known: --nope; see zoo-dev help check\n$`},
		{"a bad number", []string{"--workers", "many"}, 2, "", `^zoo-dev: invalid value "many" for flag --workers`},
		{"a bad log format", []string{"--log-format", "xml"}, 2, "", `^zoo-dev: --log-format "xml": must be text or json`},
		{"a busy port names its holder", []string{"sample", "--no-tui", "--listen", busy.Addr().String()}, 1, "",
			fmt.Sprintf(`^zoo-dev: listen on %s: the port is in use.* \(pid %d \([^)]*\) holds it\)\n$`, regexp.QuoteMeta(busy.Addr().String()), os.Getpid())},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(c.args, &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit status %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			for _, s := range []struct{ name, got, want string }{{"stdout", stdout.String(), c.stdout}, {"stderr", stderr.String(), c.stderr}} {
				switch {
				case s.want == "" && s.got != "":
					t.Errorf("%s should be empty, got:\n%s", s.name, s.got)
				case s.want != "" && !regexp.MustCompile(s.want).MatchString(s.got):
					t.Errorf("%s does not match %q:\n%s", s.name, s.want, s.got)
				}
			}
		})
	}
}

// TestListenAddr: the forms --listen accepts and what they mean.
func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080":          "127.0.0.1:8080",
		":0":                      ":0",
		"http://127.0.0.1:8080":   "127.0.0.1:8080",
		"http://127.0.0.1:8080/":  "127.0.0.1:8080",
		"http://[::1]:9000/":      "[::1]:9000",
		"http://127.0.0.1/x":      "",
		"127.0.0.1:8080:1":        "",
		"ftp://127.0.0.1:8080/":   "",
		"http://127.0.0.1:8080/?": "127.0.0.1:8080",
	} {
		got, err := listenAddr(in)
		if want == "" && err == nil || want != "" && got != want {
			t.Errorf("listenAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
