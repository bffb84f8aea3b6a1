package host

import (
	"strings"
	"testing"
	"unicode/utf8"

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
