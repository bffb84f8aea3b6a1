package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckJSONError: `check --json` on a file that does not load prints one
// JSON object with the file, line, column and message on stdout, and exits 1.
func TestCheckJSONError(t *testing.T) {
	dir, _ := filepath.Abs("config/testdata/helicon-mismatch")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check", "--json", dir}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr.String())
	}
	var got struct {
		File     string   `json:"file"`
		Line     int      `json:"line"`
		Column   int      `json:"column"`
		Message  string   `json:"message"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
	}
	if got.File != filepath.Join(dir, "web.config") || got.Line != 12 || got.Column != 7 ||
		!strings.HasPrefix(got.Message, `application "DjangoProject": WSGI_APP: not set`) || len(got.Warnings) != 1 {
		t.Errorf("got %+v", got)
	}

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"check", dir}, &stdout, &stderr); code != 1 || stdout.Len() != 0 {
		t.Fatalf("exit %d stdout %q", code, stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "warning: ") || !strings.Contains(lines[1], "web.config:12:7: ") {
		t.Errorf("stderr %q, want the warning then the positioned error", lines)
	}
}
