// Package spool copies a file on its way to a staging area into a temporary file while it
// hashes it: what both of archive's stagers do before they know the file's content key.
package spool

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
)

// File copies r into a new temporary file in dir (named as os.CreateTemp names it after
// pattern) and returns it, positioned at its end, with the number of bytes copied and their
// SHA-256. The copy stops when ctx ends. On an error nothing is left behind; otherwise the
// caller closes and removes the file.
func File(ctx context.Context, dir, pattern string, r io.Reader) (tmp *os.File, n int64, sum []byte, err error) {
	tmp, err = os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, 0, nil, err
	}
	h := sha256.New()
	if n, err = io.Copy(io.MultiWriter(tmp, h), Reader(ctx, r)); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return nil, 0, nil, err
	}
	return tmp, n, h.Sum(nil), nil
}

// Reader returns r, made to stop with ctx's error once ctx ends, so that a long copy from a
// slow source can be abandoned.
func Reader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
