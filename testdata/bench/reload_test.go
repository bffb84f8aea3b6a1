package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

const (
	saves      = 10
	thinkTime  = 700 * time.Millisecond // between saves, as a developer; stat reloaders need a fresh snapshot
	loadConns  = 4
	loadPacing = 5 * time.Millisecond // per client: at most 800 requests/s in all
	missAfter  = 10 * time.Second     // a save not served by then counts as missed
)

// reloadCase is one server running one project, and the file a save rewrites.
type reloadCase struct {
	app, server string
	ref         bool                                  // the framework's own dev server
	start       func(t *testing.T, dir string) string // starts the server, returns its base URL
}

// TestBenchReload measures save-to-served (file written → first response with the
// new text) over 10 saves for a Flask app and a Django project, and counts failed
// requests from a steady load that runs through all the saves.
func TestBenchReload(t *testing.T) {
	needBench(t, "gunicorn", "django-admin")
	cases := []reloadCase{
		{"Flask", "zoo-dev", false, zooStarter(map[string]string{"WSGI_APP": "app.app"})},
		{"Flask", "flask run --debug", true, portStarter(sysPython, "-m", "flask", "--app", "app", "--debug", "run", "--host", "127.0.0.1", "--port", "%PORT%")},
		{"Flask", "gunicorn --reload", false, portStarter("gunicorn", "--reload", "--workers", "2", "--bind", "127.0.0.1:%PORT%", "app:app")},
		{"Django", "zoo-dev", false, zooStarter(map[string]string{"DJANGO_SETTINGS_MODULE": "mysite.settings"})},
		{"Django", "manage.py runserver", true, portStarter(sysPython, "manage.py", "runserver", "127.0.0.1:%PORT%")},
		{"Django", "gunicorn --reload", false, portStarter("gunicorn", "--reload", "--workers", "2", "--bind", "127.0.0.1:%PORT%", "mysite.wsgi:application")},
	}
	var rows [][]string
	refP50 := map[string]float64{}
	for _, c := range cases {
		t.Run(c.app+"/"+c.server, func(t *testing.T) {
			dir, write := project(t, c.app)
			write("v0")
			base := c.start(t, dir)
			waitHTTP(t, base+"/", "v0", 60*time.Second)
			lat, misses, total, failed := reloadRun(base, write)
			p50, p90 := percentile(lat, 50), percentile(lat, 90)
			if c.ref {
				refP50[c.app] = p50
			}
			s := summarize(lat)
			t.Logf("%s %s: p50 %.0f ms p90 %.0f ms, %d missed, %d/%d failed", c.app, c.server, p50, p90, misses, failed, total)
			rows = append(rows, []string{c.app, c.server, fmt.Sprintf("%.0f", p50), fmt.Sprintf("%.0f", p90),
				fmt.Sprintf("%.0f–%.0f", s.Min, s.Max), fmt.Sprint(misses), fmt.Sprint(total), fmt.Sprint(failed)})
		})
	}
	for _, r := range rows {
		p50, _ := strconv.ParseFloat(r[2], 64)
		r = append(r[:3:3], append([]string{ratio(p50, refP50[r[0]])}, r[3:]...)...)
		rows[slicesIndex(rows, r[0], r[1])] = r
	}
	addReport(table(fmt.Sprintf("Reload: save-to-served over %d saves, under a steady load", saves),
		[]string{"app", "server", "p50 ms", "p50 ratio vs dev server", "p90 ms", "min–max ms", "saves not served in 10 s", "requests during the saves", "failed requests"}, rows) +
		fmt.Sprintf("\nSave-to-served: the file is rewritten in place, then GET / is repeated until it shows the new text. "+
			"Load: %d clients, each a request every %s (up to %d/s), through all %d saves; a failure is a connection error or a status other than 200. "+
			"%s between saves. Python is %s for every server.\n", loadConns, loadPacing, loadConns*int(time.Second/loadPacing), saves, thinkTime, sysPython))
}

func slicesIndex(rows [][]string, app, server string) int {
	for i, r := range rows {
		if r[0] == app && r[1] == server {
			return i
		}
	}
	return -1
}

// zooStarter runs zoo-dev headless on the project, 2 workers, reloading on *.py.
func zooStarter(env map[string]string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		env["WATCH_FILE_CHANGES_MASK"] = "*.py"
		testtool.WriteFiles(t, dir, map[string]string{"zoo.toml": zooToml("reload", 2, frontThreads, env, "")})
		pinPython(t, dir)
		return startZoo(t, dir).URL
	}
}

// portStarter runs a command with %PORT% replaced by a free port.
func portStarter(name string, args ...string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		port := strconv.Itoa(freePort(t))
		a := make([]string, len(args))
		for i, s := range args {
			if s == "%PORT%" {
				s = port
			} else if len(s) > 6 && s[len(s)-6:] == "%PORT%" {
				s = s[:len(s)-6] + port
			}
			a[i] = s
		}
		startProc(t, dir, []string{"PYTHONUNBUFFERED=1"}, name, a...)
		return "http://127.0.0.1:" + port
	}
}

// reloadRun makes the saves under load and returns the save-to-served times in ms.
func reloadRun(base string, write func(string)) (lat []float64, misses int, total, failed int64) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range loadConns {
		wg.Add(1)
		go func() { defer wg.Done(); load(ctx, base+"/", &total, &failed) }()
	}
	probe := &http.Client{Timeout: 5 * time.Second}
	for i := 1; i <= saves; i++ {
		<-time.After(thinkTime)
		want := "v" + strconv.Itoa(i)
		write(want)
		start := time.Now()
		if served(probe, base+"/", want, start.Add(missAfter)) {
			lat = append(lat, float64(time.Since(start).Microseconds())/1000)
		} else {
			misses++
		}
	}
	cancel()
	wg.Wait()
	return lat, misses, total, failed
}

// served asks url as fast as it answers (5 ms apart after a connection error)
// until the body is want or the deadline passes.
func served(c *http.Client, url, want string, deadline time.Time) bool {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	for n := 0; n < 100000; n++ {
		body, status, err := get(ctx, c, url)
		if err == nil && status == 200 && body == want {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return false
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return false
}

// load is one client of the steady load: a request every loadPacing until ctx ends.
func load(ctx context.Context, url string, total, failed *int64) {
	c := &http.Client{Timeout: 10 * time.Second}
	tick := time.NewTicker(loadPacing)
	defer tick.Stop()
	for n := 0; n < 1000000; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		_, status, err := get(ctx, c, url)
		if ctx.Err() != nil {
			return // cut short by the end of the run, not a failure
		}
		atomic.AddInt64(total, 1)
		if err != nil || status != 200 {
			atomic.AddInt64(failed, 1)
		}
	}
}

// project makes a Flask app or a Django project in a temp folder. It returns the
// folder and a function that writes a version into the file a save rewrites.
func project(t *testing.T, app string) (dir string, write func(string)) {
	dir = t.TempDir()
	var file string
	switch app {
	case "Flask":
		file = filepath.Join(dir, "app.py")
		return dir, func(v string) { mustWrite(t, file, fmt.Sprintf(flaskApp, v)) }
	default:
		if out, err := execOut(dir, "django-admin", "startproject", "mysite", "."); err != nil {
			t.Fatalf("django-admin startproject: %v\n%s", err, out)
		}
		testtool.WriteFiles(t, dir, map[string]string{"mysite/urls.py": djangoURLs})
		file = filepath.Join(dir, "mysite", "views.py")
		return dir, func(v string) { mustWrite(t, file, fmt.Sprintf(djangoViews, v)) }
	}
}

const djangoURLs = `from django.urls import path

from . import views

urlpatterns = [path("", views.index)]
`

const djangoViews = `from django.http import HttpResponse

MESSAGE = %q


def index(request):
    return HttpResponse(MESSAGE, content_type="text/plain")
`

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
