package host

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// maxLine is the longest line of a process's output passed on whole; the rest of a
// longer line is dropped with a note of how much, and reading goes on.
const maxLine = 64 << 10

// readLines calls line for each line of r, without its newline and cleaned, until
// EOF or a read error.
func readLines(r io.Reader, line func(string)) {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			head := cleanLine(chunk)
			dropped := 0
			for err == bufio.ErrBufferFull {
				chunk, err = br.ReadSlice('\n')
				dropped += len(strings.TrimRight(string(chunk), "\r\n"))
			}
			line(fmt.Sprintf("%s … [line cut at %d KiB, %d more bytes dropped]", head, maxLine>>10, dropped))
		} else if len(chunk) > 0 {
			line(cleanLine(chunk))
		}
		if err != nil {
			return
		}
	}
}

// cleanLine makes one line of a process's output safe for every reader: terminal
// control sequences (colours, cursor moves, window titles) and other control
// characters but tabs are removed, and invalid UTF-8 becomes U+FFFD.
func cleanLine(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	ascii := true // printable ASCII needs no work
	for i := 0; ascii && i < len(s); i++ {
		ascii = s[i] >= 0x20 && s[i] < 0x7f || s[i] == '\t'
	}
	if ascii {
		return s
	}
	s = ansi.Strip(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 {
			return -1
		}
		return r
	}, s)
}
