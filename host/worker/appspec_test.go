package worker

import (
	"strings"
	"testing"
)

// TestAppSpecCalls: --app takes wfastcgi's WSGI_HANDLER forms: a name ending in
// "()" is called, the module is the longest importable prefix, and a module
// that does not exist is still an import error.
func TestAppSpecCalls(t *testing.T) {
	for _, spec := range []string{"factory.create_app()", "factory.site().wsgi", "factory:create_app()", "testapp.application"} {
		p := launch(t, workerOpts{app: spec})
		if p.status.Event != "ready" {
			t.Errorf("--app %s: status %+v, want ready; output:\n%s", spec, p.status, p.stderr.Text())
		}
	}
	p := launch(t, workerOpts{app: "nosuchmodule.sub.app()"})
	if p.status.Event == "ready" || !strings.Contains(p.status.Traceback+p.status.Error, "nosuchmodule") {
		t.Errorf("a missing module: status %+v; output:\n%s", p.status, p.stderr.Text())
	}
}
