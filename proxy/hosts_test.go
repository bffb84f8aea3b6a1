package proxy

import (
	"net"
	"os"
	"strings"
	"testing"
)

func TestHostPolicy(t *testing.T) {
	listen := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 8080}
	h := newHostPolicy([]string{"myapp.test", "*.dev.test", ".wild.test"}, listen)
	name, _ := os.Hostname()
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST:8080": true, "a.b.localhost:1": true, "localhost.": true,
		"127.0.0.1:8080": true, "[::1]:8080": true, "192.0.2.7:8080": true, "10.1.2.3": true,
		strings.ToUpper(name): true, name + ".local:8080": true,
		"myapp.test": true, "x.myapp.test": false, "a.dev.test": true, "dev.test": false,
		"wild.test": true, "deep.er.wild.test": true,
		"evil.example": false, "x.127.0.0.1.nip.io": false, "localhost.evil.example": false,
		"evillocalhost": false, "": true,
	} {
		if got := h.allows(host); got != want {
			t.Errorf("allows(%q) = %v, want %v", host, got, want)
		}
	}
	if !newHostPolicy([]string{"*"}, nil).allows("evil.example") {
		t.Error(`"*" does not allow any name`)
	}
}
