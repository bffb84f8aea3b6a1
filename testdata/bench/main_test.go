package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoo-dev/zoo-dev/host/worker"
	"github.com/zoo-dev/zoo-dev/internal/testtool"
)

// The binaries and settings every benchmark shares, set by TestMain.
var (
	enabled  = os.Getenv("ZOO_BENCH") == "1"
	zooBin   string // zoo-dev built from this tree
	workerPy string // the embedded worker.py, installed to a temp folder
	runs     = envInt("ZOO_BENCH_RUNS", 3)
	runDur   = time.Duration(envInt("ZOO_BENCH_SECONDS", 4)) * time.Second
)

// sysPython is Debian's interpreter, the one that sees python3-flask and python3-django.
// Every Python process of the bench uses it, so all sides run the same Python.
const sysPython = "/usr/bin/python3"

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func TestMain(m *testing.M) {
	if !enabled {
		os.Exit(m.Run()) // every test skips
	}
	dir, err := os.MkdirTemp("", "zoo-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	zooBin = filepath.Join(dir, "zoo-dev")
	if out, err := exec.Command("go", "build", "-o", zooBin, "github.com/zoo-dev/zoo-dev").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build zoo-dev: %v\n%s", err, out)
		os.Exit(1)
	}
	if workerPy, err = worker.Install(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	header := machineInfo()
	code := m.Run()
	fmt.Printf("\n==== zoo-dev benchmarks (copy into README.md) ====\n\n%s\n%s", header, report.String())
	if path := os.Getenv("ZOO_BENCH_OUT"); path != "" {
		os.WriteFile(path, []byte(header+"\n"+report.String()), 0o644)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// needBench skips unless ZOO_BENCH=1, and skips (with one line) when a tool is missing.
func needBench(t *testing.T, tools ...string) {
	t.Helper()
	if !enabled {
		t.Skip("benchmarks run with ZOO_BENCH=1 (make bench)")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			testtool.Missing(t, "%s not installed (make bench-deps)", tool)
		}
	}
}

// report collects the tables of every benchmark, printed together at the end.
var report book

type book struct {
	mu sync.Mutex
	b  strings.Builder
}

// addReport prints a table now (in the -v output) and keeps it for the summary.
func addReport(s string) {
	fmt.Print(s)
	report.mu.Lock()
	defer report.mu.Unlock()
	report.b.WriteString(s + "\n")
}

func (r *book) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.b.String()
}

// machineInfo is the line above the tables: CPU, cores, date, load, tool versions.
func machineInfo() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	loadavg := strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " ")
	vers := []string{runtime.Version()}
	for _, c := range [][]string{{"nginx", "-v"}, {"gunicorn", "--version"}, {"uwsgi", "--version"},
		{sysPython, "-c", "import sys,flask,django;print('Python',sys.version.split()[0],'Flask',flask.__version__,'Django',django.__version__)"}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err == nil {
			s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version: "))
			if c[0] == "uwsgi" {
				s = "uWSGI " + s
			}
			vers = append(vers, s)
		}
	}
	return fmt.Sprintf("Machine: %s, %d cores, %s, load average at start %s; %s; %d runs of %s each.\n",
		cpu, runtime.NumCPU(), time.Now().Format("2006-01-02 15:04 MST"), loadavg,
		strings.Join(vers, ", "), runs, runDur)
}
