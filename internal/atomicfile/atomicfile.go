// Package atomicfile writes files that appear whole or not at all: a
// temporary file next to the destination, renamed into place on Commit and
// removed on Abort.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
