package worker

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// nginxConf serves everything through fastcgi_pass to the worker; params is the block of
// fastcgi_param lines (nginx's stock file, or explicit SCRIPT_NAME/PATH_INFO).
const nginxConf = `daemon off;
%[5]s
master_process on;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_max_body_size 64m;
  client_body_temp_path %[1]s/body;
  fastcgi_temp_path %[1]s/fastcgi;
  proxy_temp_path %[1]s/proxy;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream worker { server %[2]s; keepalive 4; }
  server {
    listen %[3]s;
    location / {
      %[4]s
      fastcgi_pass worker;
      fastcgi_keep_conn on;
      fastcgi_buffering off;
    }
  }
}
`

// startNginx runs nginx in the foreground in a temp prefix. Its listening socket is made here and
// inherited (nginx's NGINX=fd; convention), so requests can be sent at once: they wait in the
// backlog until nginx accepts. (nginx 1.22 crashes on inherited sockets with master_process off,
// so a master and one worker run; SIGTERM to the master's PID stops both.)
func startNginx(t *testing.T, upstream, params string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			testtool.Missing(t, "nginx not installed")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lnFile, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	defer lnFile.Close()
	prefix := t.TempDir()
	conf := filepath.Join(prefix, "nginx.conf")
	addr := ln.Addr().String()
	user := "" // as root, nginx's worker would run as nobody and could not reach the 0700 socket folder
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	text := fmt.Sprintf(nginxConf, prefix, upstream, addr, params, user)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", prefix, "-c", conf, "-e", filepath.Join(prefix, "error.log"))
	cmd.Env = append(os.Environ(), "NGINX=3;")
	cmd.ExtraFiles = []*os.File{lnFile}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Logf("nginx error.log:\n%s", log)
		}
	})
	return "http://" + addr
}

func TestNginxInterop(t *testing.T) {
	p := startWorker(t, workerOpts{})
	configs := map[string]string{
		"stock fastcgi_params": "include /etc/nginx/fastcgi_params;",
		"explicit PATH_INFO": `include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_NAME "";
      fastcgi_param PATH_INFO $uri;`,
	}
	for name, params := range configs {
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat("/etc/nginx/fastcgi_params"); err != nil {
				testtool.Missing(t, "no /etc/nginx/fastcgi_params (nginx-light installs it)")
			}
			base := startNginx(t, "unix:"+p.sockPath, params)
			client := &http.Client{Timeout: 20 * time.Second}
			tests := []struct {
				method, path, body, want string
			}{
				{"GET", "/write", "", "one two three"},
				{"POST", "/echo", "posted through nginx", "posted through nginx"},
				{"GET", "/stream?n=3", "", "chunk 0\nchunk 1\nchunk 2\n"},
				{"POST", "/upload", strings.Repeat("z", 3<<20), "bytes=3145728 sha256="},
				{"GET", "/env/%C3%BC", "", `"PATH_INFO": "/env/\u00c3\u00bc"`},
			}
			for _, tc := range tests {
				req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", tc.method, tc.path, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), tc.want) {
					t.Fatalf("%s %s: %d %q, want %q", tc.method, tc.path, resp.StatusCode, trim(body), tc.want)
				}
			}
		})
	}
}

func trim(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
