package fcgi

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spoolMemory is how much of a body without a length is kept in memory
// before the rest goes to a temp file.
const spoolMemory = 1 << 20

func noCleanup() {}

// requestBody returns the body to send and its length. A body of unknown
// length is spooled first, because FastCGI apps need CONTENT_LENGTH.
func requestBody(req *Request) (io.Reader, int64, func(), error) {
	if req.Body == nil || req.ContentLength == 0 {
		return nil, 0, noCleanup, nil
	}
	if req.ContentLength > 0 {
		return req.Body, req.ContentLength, noCleanup, nil
	}
	return spool(req.Body)
}

// spool reads r to the end: into memory up to 1 MiB, then into an unlinked
// temp file that the returned cleanup closes.
func spool(r io.Reader) (io.Reader, int64, func(), error) {
	head, err := io.ReadAll(io.LimitReader(r, spoolMemory+1))
	if err != nil {
		return nil, 0, noCleanup, fmt.Errorf("%w: %w", ErrRequestBody, err)
	}
	if len(head) <= spoolMemory {
		return bytes.NewReader(head), int64(len(head)), noCleanup, nil
	}
	f, err := os.CreateTemp("", "zoo-dev-body-*")
	if err != nil {
		return nil, 0, noCleanup, fmt.Errorf("spool request body: %w", err)
	}
	os.Remove(f.Name()) // open until sent; gone even if zoo-dev is killed
	cleanup := func() { f.Close() }
	if _, err := f.Write(head); err != nil {
		cleanup()
		return nil, 0, noCleanup, fmt.Errorf("spool request body: %w", err)
	}
	rest, err := io.Copy(f, r)
	if err != nil {
		cleanup()
		return nil, 0, noCleanup, fmt.Errorf("%w: %w", ErrRequestBody, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, 0, noCleanup, fmt.Errorf("spool request body: %w", err)
	}
	return f, int64(len(head)) + rest, cleanup, nil
}

// checkParams rejects a pair that cannot fit one record before any work is done.
func checkParams(params []Param) error {
	for _, p := range params {
		n := lenSize(len(p.Name)) + lenSize(len(p.Value)) + len(p.Name) + len(p.Value)
		if n > maxContent {
			return fmt.Errorf("param %s (%d bytes): %w", p.Name, n, ErrParamsTooLarge)
		}
	}
	return nil
}
