package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// nginxConf fronts FastCGI upstreams the way a tuned production nginx does:
// kept connections (keepalive + fastcgi_keep_conn), one worker process per core.
// %[1]s prefix, %[2]s user line, %[3]s upstreams, %[4]s servers.
const nginxConf = `daemon off;
%[2]s
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  fastcgi_temp_path %[1]s/fastcgi;
  proxy_temp_path %[1]s/proxy;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
%[3]s
%[4]s
}
`

// nginxFront is one upstream nginx serves on its own port.
type nginxFront struct {
	name      string   // upstream name
	sockets   []string // unix socket paths of the FastCGI servers
	keepalive int      // idle kept connections per nginx worker process; 0: a connection per request
	port      int      // filled by startNginx
}

// startNginx runs nginx in the foreground with one server per front and waits until each port accepts.
// It returns the nginx master, whose children are the worker processes.
func startNginx(t *testing.T, fronts []*nginxFront) *proc {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			testtool.Missing(t, "nginx not installed (make bench-deps)")
		}
	}
	prefix := t.TempDir()
	var ups, srvs strings.Builder
	for _, f := range fronts {
		f.port = freePort(t)
		fmt.Fprintf(&ups, "  upstream %s {\n", f.name)
		for _, s := range f.sockets {
			fmt.Fprintf(&ups, "    server unix:%s;\n", s)
		}
		keep := "off"
		if f.keepalive > 0 {
			fmt.Fprintf(&ups, "    keepalive %d;\n", f.keepalive)
			keep = "on"
		}
		ups.WriteString("  }\n")
		fmt.Fprintf(&srvs, `  server {
    listen 127.0.0.1:%d;
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param PATH_INFO $uri;
      fastcgi_pass %s;
      fastcgi_keep_conn %s;
    }
  }
`, f.port, f.name, keep)
	}
	user := "" // as root nginx's workers would run as nobody and not reach the sockets
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := filepath.Join(prefix, "nginx.conf")
	text := fmt.Sprintf(nginxConf, prefix, user, ups.String(), srvs.String())
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, prefix, nil, bin, "-p", prefix, "-c", conf, "-e", filepath.Join(prefix, "error.log"))
	for _, f := range fronts {
		waitDial(t, "tcp", fmt.Sprintf("127.0.0.1:%d", f.port), 10*time.Second)
	}
	return p
}
