package worker

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// errorPageRequest sends GET uri with the given Accept header and returns the response.
func errorPageRequest(t *testing.T, f *fconn, uri, accept string) (int, string, string) {
	t.Helper()
	f.begin(1, true)
	pairs := append(params("GET", uri, 0), [2]string{"HTTP_ACCEPT", accept})
	f.stream(typeParams, 1, encodePairs(pairs), 0, 0)
	f.stream(typeStdin, 1, nil, 0, 0)
	code, h, body := f.readResponse(1).parse(t)
	return code, h.Get("Content-Type"), string(body)
}

// An exception before the response starts: a browser gets the exception page (type and
// message, the app's frame with its source, no worker frame, all escaped), other clients
// one text line; the log gets one block whose first line is the app's file:line.
func TestExceptionPage(t *testing.T) {
	p := startWorker(t, workerOpts{app: "errpage:create_app()"})
	f := dial(t, p.bind)
	runRoute(t, f, route{method: "GET", uri: "/ok", code: 200, want: "made by the factory"})

	code, ctype, body := errorPageRequest(t, f, "/boom?<script>x</script>", "text/html,application/xhtml+xml")
	if code != 500 || !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("browser: %d %q, want 500 text/html:\n%s", code, ctype, body)
	}
	for _, want := range []string{
		`<span class="type">KeyError</span>`,
		"&lt;script&gt;x&lt;/script&gt;", // the message and the query, escaped
		"errpage.py:7</b> in lookup",
		"return table[key]  # the failing line",
		"worker pid " + strconv.Itoa(p.cmd.Process.Pid),
		"GET <b>/boom</b>",
		"Python 3.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>x", "worker.py", "in handle"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page shows %q", bad)
		}
	}
	if t.Failed() {
		t.Fatalf("page:\n%s", body)
	}

	if _, _, body := errorPageRequest(t, f, "/chained", "text/html"); !strings.Contains(body, "Raised from KeyError: &#x27;zz&#x27;") {
		t.Errorf("the page of an exception raised from another does not name it:\n%s", body)
	}

	// An exception that cannot even be printed still gets a 500, and the worker lives on.
	if code, _, body := errorPageRequest(t, f, "/unprintable", "text/html"); code != 500 || body != "500 Internal Server Error\n" {
		t.Errorf("an unprintable exception: %d %q", code, body)
	}

	code, ctype, body = errorPageRequest(t, f, "/boom?zz", "*/*")
	if code != 500 || !strings.HasPrefix(ctype, "text/plain") || body != "500 Internal Server Error\nKeyError: 'zz'\n" {
		t.Fatalf("plain client: %d %q %q", code, ctype, body)
	}
	p.stderr.WaitFor(t, "errpage.py:7: KeyError: 'zz' in GET /boom?zz\n", 10*time.Second)
	if regexp.MustCompile(`worker[^\n]*\.py:\d+ in (handle|serve)`).MatchString(p.stderr.Text()) {
		t.Errorf("the log shows the worker's own frames:\n%s", p.stderr.Text())
	}
}

// An app that fails to import for a missing module names the interpreter and
// suggests a virtualenv.
func TestImportErrorNamesTheInterpreter(t *testing.T) {
	p := launch(t, workerOpts{app: "zoo_no_such_module_here:app"})
	if p.status.Event != "import_error" {
		t.Fatalf("status %+v, want import_error", p.status)
	}
	for _, want := range []string{"zoo_no_such_module_here is not installed for Python 3.", "virtualenv", "--python"} {
		if !strings.Contains(p.status.Traceback, want) {
			t.Errorf("traceback lacks %q:\n%s", want, p.status.Traceback)
		}
	}
}
