package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// getHost fetches / with the given Host header.
func getHost(t *testing.T, z *zooRun, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", z.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET / with Host %s: %v", host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Foreign Host names (a DNS-rebinding page's) get a 403 that says how to allow
// them and never reach the app; local names, IP addresses and allowed names are served.
func TestFrontHostAllowlist(t *testing.T) {
	z, dir := startFront(t, `allowed_hosts = ["myapp.test"]`, "--allow-host", "other.test,*.dev.test")
	port := z.URL[strings.LastIndex(z.URL, ":"):]
	for _, c := range []struct {
		host string
		want int
	}{
		{"evil.example", 403},
		{"x.127.0.0.1.nip.io" + port, 403},
		{"localhost.evil.example", 403},
		{"localhost" + port, 200},
		{"app.localhost" + port, 200},
		{"127.0.0.1" + port, 200},
		{"[::1]" + port, 200},
		{"myapp.test", 200},
		{"OTHER.test" + port, 200},
		{"a.dev.test", 200},
	} {
		code, body := getHost(t, z, c.host)
		if code != c.want {
			t.Errorf("Host %s: status %d, want %d; body %.300q", c.host, code, c.want, body)
		}
		if code == 403 && (!strings.Contains(body, "allowed_hosts") || !strings.Contains(body, "--allow-host")) {
			t.Errorf("Host %s: the 403 page does not say how to allow it:\n%s", c.host, body)
		}
	}
	var foreign int
	for _, h := range hits(t, dir) {
		if h != "GET / 0" {
			t.Errorf("unexpected request at the app: %q", h)
		}
		foreign++
	}
	t.Logf("requests that reached the app: %d of 10, 7 allowed", foreign)
	if foreign != 7 {
		t.Errorf("the app saw %d requests, want the 7 allowed ones", foreign)
	}
	z.waitLine(regexpQuote(`refused Host "evil.example" (403)`), 10*time.Second)
}

// "*" serves any Host name.
func TestFrontHostAllowAny(t *testing.T) {
	z, _ := startFront(t, "", "--allow-host", "*")
	if code, body := getHost(t, z, "evil.example"); code != 200 {
		t.Errorf("Host evil.example with --allow-host '*': status %d; body %.300q", code, body)
	}
}
