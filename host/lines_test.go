package host

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zoo-dev/zoo-dev/config"
	"github.com/zoo-dev/zoo-dev/internal/event"
)

func TestCleanLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"tab\tkept\r\n", "tab\tkept"},
		{"\x1b[31mred\x1b[0m text", "red text"},
		{"\x1b]0;window title\x07after", "after"},
		{"\x1b[2J\x1b[Hcleared", "cleared"},
		{"bell\a and nul\x00", "bell and nul"},
		{"bad \xff\xfe utf-8", "bad \uFFFD utf-8"},
		{"c1 \u009b control", "c1  control"},
		{"ünïcödé ✓", "ünïcödé ✓"},
	} {
		if got := cleanLine([]byte(tc.in)); got != tc.want {
			t.Errorf("cleanLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A line longer than maxLine is cut with a note, and the lines after it still arrive.
func TestReadLinesCutsLongLines(t *testing.T) {
	long := strings.Repeat("x", 2<<20)
	var got []string
	readLines(strings.NewReader("before\n"+long+"\nafter\nno newline at the end"), func(l string) { got = append(got, l) })
	if len(got) != 4 || got[0] != "before" || got[2] != "after" || got[3] != "no newline at the end" {
		t.Fatalf("lines %d: first %.20q, third %.20q", len(got), got[0], got[min(2, len(got)-1)])
	}
	cut := got[1]
	if !strings.HasPrefix(cut, strings.Repeat("x", maxLine)) || len(cut) > maxLine+100 ||
		!strings.HasSuffix(cut, "[line cut at 64 KiB, 2031616 more bytes dropped]") {
		t.Fatalf("cut line: %d bytes ending %q", len(cut), cut[len(cut)-60:])
	}
}

// The output of a deploy script and of a worker reaches the event stream cleaned,
// and a 2 MiB line silences neither: the lines after it arrive.
func TestProcessOutputIsCleanedAndCut(t *testing.T) {
	t.Parallel()
	noisy := "import sys\n" +
		"sys.stdout.buffer.write(b'\\x1b]0;title\\x07\\x1b[2J\\x1b[31mred\\x1b[0m \\xff\\n')\n" +
		"sys.stdout.buffer.write(b'x' * (2 << 20) + b'\\n')\n" +
		"sys.stdout.flush()\n" +
		"print('%s after the long line')\n"
	a := testApp(t, map[string]string{
		"deploy.py": strings.Replace(noisy, "%s", "deploy", 1),
		"app.py":    strings.Replace(noisy, "%s", "worker", 1) + okApp,
	})
	_, _, sub := runHost(t, a)
	var texts []string
	markers := 0
	waitEvent(t, sub, func(e event.Event) bool {
		if e.Kind == event.KindLog && (e.Source == event.SourceDeploy || e.Source == event.SourceStdout) {
			texts = append(texts, e.Text)
			if strings.HasSuffix(e.Text, " after the long line") {
				markers++
			}
		}
		return markers == 2
	})
	cuts, reds := 0, 0
	for _, s := range texts {
		if strings.ContainsAny(s, "\x1b\x07") || !utf8.ValidString(s) {
			t.Errorf("unclean line reached the events: %.80q", s)
		}
		if strings.Contains(s, "[line cut at 64 KiB") {
			cuts++
		}
		if s == "red \uFFFD" {
			reds++
		}
	}
	if cuts != 2 || reds != 2 {
		t.Errorf("%d cut lines and %d cleaned colour lines, want 2 of each (deploy and worker)", cuts, reds)
	}
}

// A traceback is one text; lines around it, and a chained traceback, are handled.
func TestBlocksGroupTracebacks(t *testing.T) {
	tb := "Traceback (most recent call last):\n  File \"/srv/app.py\", line 3, in <module>\n    1/0\nZeroDivisionError: division by zero"
	chained := "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nKeyError: 'x'\n\n" +
		"During handling of the above exception, another exception occurred:\n\n" + tb
	imp := "python3.12 could not import the app:\nhint: pip install flask\n" +
		"Traceback (most recent call last):\n  File \"/srv/wsgi.py\", line 1, in <module>\nModuleNotFoundError: No module named 'flask'"
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"plain lines pass", []string{"one", "  two"}, []string{"one", "  two"}},
		{"a traceback between lines", append(append([]string{"before"}, strings.Split(tb, "\n")...), "after"), []string{"before", tb, "after"}},
		{"a chained traceback", append(strings.Split(chained, "\n"), "next"), []string{chained, "next"}},
		{"blank lines after it are not its own", append(strings.Split(tb, "\n"), "", "next"), []string{tb, "", "next"}},
		{"an import failure with its header", strings.Split(imp, "\n"), []string{imp}},
		{"two tracebacks", append(strings.Split(tb, "\n"), strings.Split(tb, "\n")...), []string{tb, tb}},
		{"a traceback without its end", []string{"Traceback (most recent call last):", "  File \"x.py\""}, []string{"Traceback (most recent call last):\n  File \"x.py\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			b := newBlocks(func(s string) { got = append(got, s) })
			for _, l := range tc.in {
				b.line(l)
			}
			b.end()
			if strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// A block is bounded: past maxBlockLines it is passed on and the rest follows.
func TestBlocksBounded(t *testing.T) {
	var got []string
	b := newBlocks(func(s string) { got = append(got, s) })
	b.line("Traceback (most recent call last):")
	for i := 0; i < maxBlockLines+10; i++ {
		b.line("  frame")
	}
	b.end()
	if len(got) < 2 || strings.Count(got[0], "\n") != maxBlockLines-1 {
		t.Fatalf("%d events, first with %d lines", len(got), strings.Count(got[0], "\n")+1)
	}
}

// A partial block is passed on when the stream pauses, without its end.
func TestBlocksFlushOnPause(t *testing.T) {
	got := make(chan string, 4)
	b := newBlocks(func(s string) { got <- s })
	b.line("Traceback (most recent call last):")
	b.line("  File \"x.py\", line 1")
	b.line("ValueError: bad")
	select {
	case s := <-got:
		if strings.Count(s, "\n") != 2 {
			t.Fatalf("flushed %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the block was not passed on after a pause")
	}
}

// A process that prints a traceback on stderr gives one stderr event with every line.
func TestProcessTracebackIsOneEvent(t *testing.T) {
	script := `printf 'starting\n'; printf 'Traceback (most recent call last):\n  File "/srv/app.py", line 3, in <module>\n    main()\n  File "/srv/app.py", line 2, in main\n    1/0\nZeroDivisionError: division by zero\n'; printf 'after\n'`
	var mu sync.Mutex
	var events []string
	emit := func(src event.Source, lvl event.Level, pid int, text string) {
		mu.Lock()
		events = append(events, text)
		mu.Unlock()
	}
	var pid pidBox
	tb := stderrBlocks(emit, &pid)
	cmd := exec.Command("sh", "-c", "{ "+script+"; } >&2")
	p, err := startProc(cmd, nil, tb.line, tb.end)
	if err != nil {
		t.Fatal(err)
	}
	<-p.done
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 3 || events[0] != "starting" || events[2] != "after" ||
		!strings.HasPrefix(events[1], "Traceback (most recent call last):\n") ||
		!strings.HasSuffix(events[1], "\nZeroDivisionError: division by zero") || strings.Count(events[1], "\n") != 5 {
		t.Fatalf("events %q", events)
	}
}

// A traceback event goes to the log files with every line.
func TestLogFilesWriteEveryLine(t *testing.T) {
	dir := t.TempDir()
	tb := "Traceback (most recent call last):\n  File \"/srv/app.py\", line 3, in <module>\nZeroDivisionError: division by zero"
	lf := &logFiles{files: map[string]*bufio.Writer{}, errs: map[string]bool{}, warn: func(s string) { t.Error(s) }}
	a := &config.App{ErrorLogDir: dir}
	e := event.Event{Time: time.Now(), App: "web", Kind: event.KindLog, Source: event.SourceStderr, Worker: 42, Text: tb}
	lf.write(logTargets(a, &e), &e)
	lf.close()
	b, err := os.ReadFile(filepath.Join(dir, errorLogName))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.HasSuffix(got, "[web] stderr 42: "+tb+"\n") || strings.Count(got, "\n") != 3 {
		t.Fatalf("error.log = %q", got)
	}
}
