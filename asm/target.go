package asm

import (
	"time"

	"github.com/edusync/edusync/fileset"
)

// Options configure a Target.
type Options struct {
	// Keep is how many uploads before the current one stay on disk (default 1).
	Keep int
}

// Target is a reconcile.Target that delivers Apple School Manager uploads into a directory
// (see the package documentation). Its methods are those of fileset.Target; Zip gives the
// current upload as the one archive Apple takes, and package asmsftp uploads it.
type Target struct {
	*fileset.Target
}

// New returns a Target keeping its uploads in dir (created if missing): the current one is
// dir/current.
func New(dir string, opts Options) (*Target, error) {
	t, err := fileset.New(dir, format{}, fileset.Options{Keep: opts.Keep, Now: time.Now})
	if err != nil {
		return nil, err
	}
	return &Target{Target: t}, nil
}
