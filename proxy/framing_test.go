package proxy

import (
	"bytes"
	"strings"
	"testing"
)

var framingCases = []struct {
	name     string
	stream   string
	conflict bool
}{
	{"plain requests", "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n", false},
	{"body that looks like a header", "POST / HTTP/1.1\r\nContent-Length: 40\r\n\r\n\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", false},
	{"chunked then clean", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\nGET / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", false},
	{"chunked with a header-like chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1c\r\nContent-Length: 5\r\n\r\nabcdefg\r\n0\r\n\r\n", false},
	{"bare LF lines", "GET / HTTP/1.1\nHost: a\n\nGET / HTTP/1.0\nContent-Length: 1\n\nx", false},
	{"cl-te", "POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true},
	{"te-cl, mixed case", "POST / HTTP/1.1\r\ntRANSFER-encoding: Chunked\r\nCONTENT-LENGTH: 4\r\n\r\n0\r\n\r\n", true},
	{"te in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true},
	{"conflict after a body", "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", true},
	{"conflict after a chunked body", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", true},
	{"long request line", "GET /" + strings.Repeat("a", 3000) + " HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", true},
}

// The scanner finds conflicting framing however the stream is split into reads,
// and never in a clean stream, whatever its bodies hold.
func TestFramingScanner(t *testing.T) {
	for _, c := range framingCases {
		for cut := 0; cut <= len(c.stream); cut++ {
			var s framingScanner
			got := s.feed([]byte(c.stream[:cut])) || s.feed([]byte(c.stream[cut:]))
			if got != c.conflict {
				t.Errorf("%s, split at %d: conflict %v, want %v", c.name, cut, got, c.conflict)
				break
			}
		}
	}
}

// FuzzFraming: the verdict does not depend on how the stream is split into reads,
// and the scanner never panics.
func FuzzFraming(f *testing.F) {
	for _, c := range framingCases {
		f.Add([]byte(c.stream), uint16(len(c.stream)/2))
	}
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16) {
		var whole framingScanner
		want := whole.feed(stream)
		k := int(cut) % (len(stream) + 1)
		var split framingScanner
		got := split.feed(stream[:k]) || split.feed(stream[k:])
		if got != want {
			t.Errorf("split at %d: conflict %v, whole: %v", k, got, want)
		}
		if want && !bytes.Contains(bytes.ToLower(stream), []byte("transfer-encoding:")) {
			t.Errorf("a conflict without Transfer-Encoding in %q", stream)
		}
	})
}
