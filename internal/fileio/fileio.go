// Package fileio opens the inputs of the file connectors one way: a regular
// file is opened anew for every read; a named pipe (FIFO) or a character
// device is opened once, without blocking, and read as a stream whose first
// bytes are kept for schema inference and replayed to the read that
// follows.
//
// Every open and every read honours its context: a read of a stream waits
// in Go's poller, and cancelling the context unblocks it with the
// context's error. Directories, sockets and block devices are refused with
// an error wrapping ErrFileType.
package fileio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
)

var (
	// ErrFileType is wrapped when a path names something that cannot be
	// read as an input: a directory, a socket, a block device.
	ErrFileType = errors.New("not a file that can be read")
	// ErrNotRegular is wrapped by RequireRegular when a format needs random
	// access and the path is a pipe or a device.
	ErrNotRegular = errors.New("not a regular file")
	// ErrConsumed is wrapped when a stream input is opened again after its
	// full read: a pipe can be read only once.
	ErrConsumed = errors.New("stream already read")
	// ErrBusy is wrapped when a stream input is opened while a reader of it
	// is still open.
	ErrBusy = errors.New("stream is being read")
)

// describe names the type of a file that is not regular.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// isStream reports whether m is read as a stream.
func isStream(m fs.FileMode) bool {
	return m&fs.ModeNamedPipe != 0 || m&fs.ModeCharDevice != 0
}

// RequireRegular returns nil when path is a regular file (or does not
// exist, which the caller's open reports), and otherwise an error wrapping
// ErrNotRegular, or ErrFileType for what no format reads, that names what
// path is and that the format needs a regular file. It does not open path:
// opening a FIFO for reading would block.
func RequireRegular(path, format string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return nil //nolint:nilerr // the open that follows reports it
	}
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case isStream(m):
		return fmt.Errorf("%s is %s: %s needs a regular file it can seek in (copy the data to a file first): %w", path, describe(m), format, ErrNotRegular)
	}
	return fmt.Errorf("%s is %s: %w", path, describe(m), ErrFileType)
}

// Input is one path opened for reading by a text connector. It is safe for
// concurrent use; for a stream, only one reader is open at a time.
type Input struct {
	path string

	mu       sync.Mutex
	st       *stream // the open stream, once path turned out to be one
	busy     bool
	consumed bool
	version  string // of the last full read of a regular file to its end
}

// New returns the Input of path. Nothing is opened until Sniff or Open.
func New(path string) *Input { return &Input{path: path} }

// Path returns the path given to New.
func (in *Input) Path() string { return in.path }

// Sniff returns a reader of the input from its first byte, for a look at
// its start (schema inference). For a stream, the bytes read through it are
// kept and replayed by the next Sniff or Open, so keep the look short. The
// reader is the caller's to Close; reads honour ctx.
func (in *Input) Sniff(ctx context.Context) (io.ReadCloser, error) {
	return in.open(ctx, true)
}

// Open returns a reader of the whole input from its first byte. For a
// stream it is the last read: it replays what Sniff read, then continues;
// a later Sniff or Open fails with ErrConsumed. The reader is the caller's
// to Close; reads honour ctx.
func (in *Input) Open(ctx context.Context) (io.ReadCloser, error) {
	return in.open(ctx, false)
}

func (in *Input) open(ctx context.Context, sniff bool) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	switch {
	case in.consumed:
		return nil, fmt.Errorf("%s: %w (a pipe or device can be read only once)", in.path, ErrConsumed)
	case in.busy:
		return nil, fmt.Errorf("%s: %w", in.path, ErrBusy)
	}
	if in.st == nil {
		f, mode, err := openFile(in.path)
		if err != nil {
			return nil, err
		}
		if mode.IsRegular() {
			if sniff {
				return f, nil
			}
			in.version = "" // until this read reaches the end
			return newHashed(f, in), nil
		}
		in.st = newStream(f, mode)
	}
	in.busy = true
	if !sniff {
		in.consumed = true
	}
	return in.st.reader(ctx, sniff, func() {
		in.mu.Lock()
		in.busy = false
		in.mu.Unlock()
	}), nil
}

// openFile opens path without blocking and tells what it is; it returns
// an error for anything but a regular file, a FIFO or a character device.
func openFile(path string) (*os.File, fs.FileMode, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() && !isStream(fi.Mode()) {
			return nil, 0, fmt.Errorf("%s is %s: %w", path, describe(fi.Mode()), ErrFileType)
		}
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close() // read only
		return nil, 0, err
	}
	m := fi.Mode()
	if !m.IsRegular() && !isStream(m) {
		f.Close() // read only
		return nil, 0, fmt.Errorf("%s is %s: %w", path, describe(m), ErrFileType)
	}
	if m.IsRegular() {
		regular(f)
	}
	return f, m, nil
}

// stream is an open FIFO or character device and the bytes read from it
// while sniffing.
type stream struct {
	raw  rawFile
	kept []byte // every byte read so far, while no full read began
	err  error  // sticky read error of the file (io.EOF included)

	// mu orders the arming of a new reader with the interruption of an
	// earlier one: a cancellation runs on its own goroutine and may come
	// after the reader it was for is closed; it then must not touch the
	// next reader's deadline. active is the reader whose cancellation may
	// interrupt the file.
	mu     sync.Mutex
	active *reader
}

// reader reads a stream from its first byte: kept bytes, then the file.
type reader struct {
	st      *stream
	ctx     context.Context
	sniff   bool
	pos     int
	stop    func() bool
	done    func()
	closed  bool
	closeFd bool
}

func (s *stream) reader(ctx context.Context, sniff bool, done func()) *reader {
	r := &reader{st: s, ctx: ctx, sniff: sniff, done: done, closeFd: !sniff}
	s.mu.Lock()
	s.active = r
	s.raw.arm()
	s.mu.Unlock()
	r.stop = context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.active == r {
			s.raw.interrupt()
		}
	})
	return r
}

func (r *reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, os.ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	s := r.st
	if r.pos < len(s.kept) {
		n := copy(p, s.kept[r.pos:])
		r.pos += n
		if !r.sniff && r.pos == len(s.kept) {
			s.kept, r.pos = nil, 0 // replayed: the full read keeps nothing
		}
		return n, nil
	}
	if s.err != nil {
		return 0, s.err
	}
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.raw.read(p)
	if err != nil && r.ctx.Err() != nil {
		// The deadline set by the cancellation, or a read cut short by it.
		return n, r.ctx.Err()
	}
	if r.sniff && n > 0 {
		s.kept = append(s.kept, p[:n]...)
		r.pos += n
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

// Close ends the reader. The stream stays open after a sniff, for the
// reads that follow; the full read's Close closes it.
func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.stop()
	r.st.mu.Lock()
	if r.st.active == r {
		r.st.active = nil
	}
	r.st.mu.Unlock()
	var err error
	if r.closeFd {
		err = r.st.raw.close()
		r.st.kept = nil
	}
	r.done()
	return err
}
