package fcgi

import (
	"fmt"
	"io"
	"net/http"
)

// stream copies the response body to the client, reading the worker as fast as
// it writes (nginx's proxy_buffering). A response that is complete before a read
// must wait for the worker is written in one go, with no other goroutine. Any
// other response gets a backlog: a goroutine writes to the client while this one
// goes on reading the worker into memory, then into a temp file, so a slow
// client never holds the worker's slot. Whatever has arrived is flushed to the
// client whenever the worker has nothing more yet, so streamed responses (SSE,
// chunked, flushes) reach a reading client at once.
func stream(w http.ResponseWriter, rc *http.ResponseController, resp *Response) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	n, handed := 0, 0 // bytes in buf; how many of them went to the backlog
	var sp *backlog
	handOff := func() {
		if sp == nil {
			sp = newBacklog(w, rc, resp.x)
		}
		if n > handed {
			sp.push(buf[handed:n])
			handed = n
		}
	}
	// Runs inside Read, before a socket read: the worker has sent nothing more yet.
	resp.x.c.rd.beforeRead = func() {
		handOff()
		sp.pause()
	}
	var err error
	for err == nil {
		if n == len(buf) {
			handOff()
			n, handed = 0, 0
			if err = sp.failed(); err != nil {
				break
			}
		}
		var m int
		m, err = resp.Body.Read(buf[n:])
		n += m
	}
	if err == io.EOF {
		err = nil
	}
	if sp == nil { // the whole response arrived at once
		if _, werr := w.Write(buf[:n]); werr != nil {
			return 0, fmt.Errorf("write response: %w: %w", ErrClientGone, werr)
		}
		return int64(n), err
	}
	handOff()
	return sp.finish(err)
}
