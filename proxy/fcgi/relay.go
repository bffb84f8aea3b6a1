package fcgi

import (
	"fmt"
	"io"
	"net/http"
)

// relay copies the response body to the client, reading the worker as fast as
// it writes (nginx's proxy_buffering). A response that is complete before a read
// must wait for the worker is written in one go, with no other goroutine. Any
// other response gets a backlog: a goroutine writes to the client while this one
// goes on reading the worker into memory, then into a temp file, so a slow
// client never holds the worker's slot. Whatever has arrived is flushed to the
// client whenever the worker has nothing more yet (Request.BeforeWait calls
// wait), so streamed responses (SSE, chunked, flushes) reach a reading client
// at once.
type relay struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	resp   *Response // nil until the header is written: nothing to flush before
	buf    []byte
	n      int // bytes in buf
	handed int // how many of them went to the backlog
	sp     *backlog
}

func (r *relay) handOff() {
	if r.sp == nil {
		r.sp = newBacklog(r.w, r.rc, r.resp.x)
	}
	if r.n > r.handed {
		r.sp.push(r.buf[r.handed:r.n])
		r.handed = r.n
	}
}

// wait runs inside Read, before a socket read: the worker has sent nothing more yet.
func (r *relay) wait() {
	if r.resp == nil {
		return
	}
	r.handOff()
	r.sp.pause()
}

// stream copies resp's body to the client and returns the bytes sent.
func (r *relay) stream(resp *Response) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	r.buf, r.resp = *bp, resp
	defer func() { r.resp = nil }()
	var err error
	for err == nil {
		if r.n == len(r.buf) {
			r.handOff()
			r.n, r.handed = 0, 0
			if err = r.sp.failed(); err != nil {
				break
			}
		}
		var m int
		m, err = resp.Body.Read(r.buf[r.n:])
		r.n += m
	}
	if err == io.EOF {
		err = nil
	}
	if r.sp == nil { // the whole response arrived at once
		if _, werr := r.w.Write(r.buf[:r.n]); werr != nil {
			return 0, fmt.Errorf("write response: %w: %w", ErrClientGone, werr)
		}
		return int64(r.n), err
	}
	r.handOff()
	return r.sp.finish(err)
}
