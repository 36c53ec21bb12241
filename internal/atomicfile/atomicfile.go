// Package atomicfile writes files that appear whole or not at all: a
// temporary file next to the destination, renamed into place on Commit and
// removed on Abort.
//
// # Temporary files
//
// The temporary file of a destination "dir/name" is "dir/.name.tmp-N", N
// decimal digits, a hidden file in the destination's directory so that
// the rename is atomic. A process killed mid-write (kill -9, a crash, a
// power loss) leaves it behind; the next write into the same directory
// removes every regular file of exactly that pattern whose modification
// time is more than StaleAge old — only Sluice's own pattern, never another
// file, and never one that a live write keeps modifying (a write that
// stalls for more than a day does lose its temporary file).
//
// # Modes
//
// Files are created with mode 0666 filtered by the process umask (0644
// under the usual umask 022, 0600 under 077), as os.Create and the shell
// do; the committed file keeps that mode.
package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/connectors"
)

// StaleAge is how old a leftover temporary file must be before a write
// into its directory removes it.
const StaleAge = 24 * time.Hour

// tmpMarker separates the destination's name from the random digits.
const tmpMarker = ".tmp-"

// maxScan bounds the directory entries one cleanup looks at, so that a
// write into a huge directory stays cheap.
const maxScan = 100_000

// File is a temporary file next to its destination, renamed into
// place on commit and removed on abort.
type File struct {
	*os.File
	path string
}

// Create starts a file that will become path on Commit, with mode 0666
// filtered by the umask, and removes stale temporary files from path's
// directory (see the package documentation).
func Create(path string) (*File, error) {
	f, err := CreateTemp(path)
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// CreateTemp creates the temporary file of a write to path (the package's
// naming pattern, mode 0666 filtered by the umask) and removes stale
// temporary files from its directory. For writers that rename the file
// into place themselves.
func CreateTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return nil, fmt.Errorf("atomicfile: %q names a directory, not a file", path)
	}
	var (
		f   *os.File
		err error
	)
	for range 10000 {
		name := filepath.Join(dir, "."+base+tmpMarker+strconv.FormatUint(uint64(rand.Uint32()), 10))
		// O_EXCL: never reuse a file; the kernel applies the umask to 0666.
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	RemoveStale(dir, time.Now())
	return f, nil
}

// IsTemp reports whether a file name follows the temporary-file pattern:
// ".NAME.tmp-DIGITS".
func IsTemp(name string) bool {
	if len(name) < 2 || name[0] != '.' {
		return false
	}
	i := strings.LastIndex(name, tmpMarker)
	if i <= 1 {
		return false
	}
	digits := name[i+len(tmpMarker):]
	if digits == "" || len(digits) > 20 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RemoveStale removes from dir the regular files named by the temporary
// pattern (IsTemp) last modified more than StaleAge before now, and
// returns their names. It is best effort: errors leave files in place.
func RemoveStale(dir string, now time.Time) []string {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	var removed []string
	for scanned := 0; scanned < maxScan; {
		es, err := d.ReadDir(1024)
		scanned += len(es)
		for _, e := range es {
			if !IsTemp(e.Name()) || !e.Type().IsRegular() {
				continue
			}
			info, err := e.Info()
			if err != nil || now.Sub(info.ModTime()) <= StaleAge {
				continue
			}
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				removed = append(removed, e.Name())
			}
		}
		if err != nil {
			break
		}
	}
	return removed
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
