package fcgi

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

// backlogMemory is how much of a response a slow client has not taken yet stays
// in memory; beyond it the rest goes to a temp file.
const backlogMemory = 1 << 20

// backlog holds a response between the worker and a client that takes it more
// slowly: the reader pushes, a goroutine of its own sends. Memory first, in
// buffers of copyBufs, then an unlinked temp file that nothing can leave behind.
type backlog struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	x  *exchange

	mu     sync.Mutex
	chunks []*[]byte // in memory, oldest first; each is filled to its length
	mem    int       // bytes in chunks
	file   *os.File  // once memory is full, every later byte goes here
	wOff   int64     // bytes written to file
	rOff   int64     // bytes of file sent
	flush  bool      // the worker paused: flush once what came before is sent
	closed bool      // the response ended
	err    error     // the client write failed
	wake   chan struct{}

	done chan struct{}
	sent int64 // valid once done is closed
}

func newBacklog(w http.ResponseWriter, rc *http.ResponseController, x *exchange) *backlog {
	s := &backlog{w: w, rc: rc, x: x, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.send()
	return s
}

func (s *backlog) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// push queues a copy of b for the client.
func (s *backlog) push(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	for len(b) > 0 && s.file == nil && s.mem+len(b) <= backlogMemory {
		if k := len(s.chunks); k > 0 && len(*s.chunks[k-1]) < cap(*s.chunks[k-1]) {
			last := s.chunks[k-1]
			m := copy((*last)[len(*last):cap(*last)], b)
			*last = (*last)[:len(*last)+m]
			b, s.mem = b[m:], s.mem+m
			continue
		}
		c := copyBufs.Get().(*[]byte)
		*c = (*c)[:0]
		s.chunks = append(s.chunks, c)
	}
	if len(b) > 0 {
		s.toFile(b)
	}
	s.signal()
}

// toFile appends b to the temp file; call with s.mu held.
func (s *backlog) toFile(b []byte) {
	if s.file == nil {
		f, err := os.CreateTemp("", "zoo-dev-response-*")
		if err != nil {
			s.fail(fmt.Errorf("spool response: %w", err))
			return
		}
		os.Remove(f.Name()) // open until the response is sent, gone even if zoo-dev is killed
		s.file = f
	}
	if _, err := s.file.WriteAt(b, s.wOff); err != nil {
		s.fail(fmt.Errorf("spool response: %w", err))
		return
	}
	s.wOff += int64(len(b))
}

// pause says the worker has sent nothing more for now.
func (s *backlog) pause() {
	s.mu.Lock()
	s.flush = true
	s.mu.Unlock()
	s.signal()
}

// failed is the client's error once a write to it failed.
func (s *backlog) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// fail records the client's error and stops the worker's answer; call with s.mu held.
func (s *backlog) fail(err error) {
	if s.err == nil {
		s.err = err
		s.x.abort()
	}
}

// finish waits until everything pushed has been sent (each write bounded by
// the client's write deadline) and returns the bytes sent and the error that
// ended the response: the client's first, else the worker's.
func (s *backlog) finish(readErr error) (int64, error) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal()
	<-s.done
	if s.file != nil {
		s.file.Close()
	}
	for _, c := range s.chunks {
		*c = (*c)[:cap(*c)]
		copyBufs.Put(c)
	}
	if s.err != nil {
		return s.sent, s.err
	}
	return s.sent, readErr
}

// send writes what the reader pushes to the client until the response ended
// and all of it went out, or the client failed.
func (s *backlog) send() {
	defer close(s.done)
	var rbuf *[]byte // for reads from the file
	defer func() {
		if rbuf != nil {
			copyBufs.Put(rbuf)
		}
	}()
	for {
		s.mu.Lock()
		var b []byte
		var chunk *[]byte
		switch {
		case s.err != nil:
			s.mu.Unlock()
			return
		case len(s.chunks) > 0 && (len(s.chunks) > 1 || len(*s.chunks[0]) > 0):
			chunk = s.chunks[0]
			s.chunks = s.chunks[1:]
			s.mem -= len(*chunk)
			b = *chunk
		case s.rOff < s.wOff:
			if rbuf == nil {
				rbuf = copyBufs.Get().(*[]byte)
			}
			off, m := s.rOff, min(s.wOff-s.rOff, int64(len(*rbuf)))
			s.rOff += m
			s.mu.Unlock()
			b = (*rbuf)[:m]
			if _, err := s.file.ReadAt(b, off); err != nil && err != io.EOF {
				s.setErr(fmt.Errorf("spool response: %w", err))
				return
			}
			s.write(b, nil)
			continue
		case s.flush:
			s.flush = false
			s.mu.Unlock()
			if err := s.rc.Flush(); err != nil {
				s.setErr(fmt.Errorf("write response: %w: %w", ErrClientGone, err))
				return
			}
			continue
		case s.closed:
			s.mu.Unlock()
			return
		default:
			s.mu.Unlock()
			<-s.wake
			continue
		}
		s.mu.Unlock()
		s.write(b, chunk)
	}
}

// write sends b to the client and gives a memory chunk back to the pool.
func (s *backlog) write(b []byte, chunk *[]byte) {
	n, err := s.w.Write(b)
	s.sent += int64(n)
	if chunk != nil {
		*chunk = (*chunk)[:cap(*chunk)]
		copyBufs.Put(chunk)
	}
	if err != nil {
		s.setErr(fmt.Errorf("write response: %w: %w", ErrClientGone, err))
	}
}

func (s *backlog) setErr(err error) {
	s.mu.Lock()
	s.fail(err)
	s.mu.Unlock()
}
