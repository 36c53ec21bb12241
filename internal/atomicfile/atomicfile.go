// Package atomicfile writes files that appear whole or not at all: a
// temporary file next to the destination, renamed into place on Commit and
// removed on Abort.
package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicedata/sluice/connectors"
)

// File is a temporary file next to its destination, renamed into
// place on commit and removed on abort.
type File struct {
	*os.File
	path string
}

// Create starts a file that will become path on Commit. Its mode is 0644.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit syncs, closes and renames the file into place; on failure the
// temporary file is removed.
func (a *File) Commit() error {
	err := a.Sync()
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.Name(), a.path)
	}
	if err != nil {
		if rerr := os.Remove(a.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("removing temporary file: %w", rerr))
		}
	}
	return err
}

// Abort closes and removes the file.
func (a *File) Abort() error {
	a.Close() // the file is removed anyway; a close error changes nothing
	if err := os.Remove(a.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Write is one atomic write with the lifecycle connectors.Writer promises:
// exactly one of Commit or Abort ends it; a failed Commit leaves nothing
// behind and makes a later Abort a no-op; after the end every call fails
// with an error wrapping connectors.ErrClosed. Errors are prefixed with the
// writer's name ("csvconnector: /path"). Not safe for concurrent use.
type Write struct {
	*File
	// Finish runs first in Commit: flush or close encoders into the file.
	Finish func() error
	// Discard runs first in Abort: close encoders whose output is dropped.
	Discard func()

	prefix string
	state  writeState
}

type writeState uint8

const (
	writeOpen writeState = iota
	writeFailed
	writeEnded
)

// Start creates the file of a write that becomes path on Commit; prefix
// starts its error messages.
func Start(path, prefix string) (*Write, error) {
	f, err := Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	return &Write{File: f, prefix: prefix}, nil
}

// Open returns nil while the write can go on, an error wrapping
// connectors.ErrClosed after it ended.
func (w *Write) Open() error {
	if w.state != writeOpen {
		return fmt.Errorf("%s: %w", w.prefix, connectors.ErrClosed)
	}
	return nil
}

// Commit runs Finish and renames the file into place. On any failure, a
// cancelled ctx included, the file is removed and a later Abort does
// nothing.
func (w *Write) Commit(ctx context.Context) error {
	if err := w.Open(); err != nil {
		return err
	}
	err := ctx.Err()
	if err == nil && w.Finish != nil {
		err = w.Finish()
	}
	if err != nil {
		err = errors.Join(err, w.File.Abort())
	} else {
		err = w.File.Commit()
	}
	if err != nil {
		w.state = writeFailed
		return fmt.Errorf("%s: %w", w.prefix, err)
	}
	w.state = writeEnded
	return nil
}

// Abort runs Discard and removes the file. It is safe after a failed
// Commit.
func (w *Write) Abort(context.Context) error {
	switch w.state {
	case writeFailed:
		w.state = writeEnded
		return nil
	case writeEnded:
		return w.Open()
	}
	w.state = writeEnded
	if w.Discard != nil {
		w.Discard()
	}
	if err := w.File.Abort(); err != nil {
		return fmt.Errorf("%s: %w", w.prefix, err)
	}
	return nil
}
