//go:build unix

package fileio

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const nonBlock = syscall.O_NONBLOCK

// regular puts a regular file, opened without blocking, back in blocking
// mode, which is what every reader of a regular file expects.
func regular(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = syscall.SetNonblock(int(fd), false) })
	}
}

// rawFile reads a stream through Go's poller when the file supports it, so
// that a read waiting for data can be interrupted.
type rawFile struct {
	f        *os.File
	rc       syscall.RawConn
	pollable bool
	// fifo: a read of 0 bytes before any writer appeared means "no writer
	// yet", not the end: wait for one, as a blocking open would.
	fifo   bool
	waited bool
}

func newStream(f *os.File, m fs.FileMode) *stream {
	raw := rawFile{f: f, fifo: m&fs.ModeNamedPipe != 0 && !anonymousPipe(f)}
	raw.pollable = f.SetReadDeadline(time.Time{}) == nil
	if rc, err := f.SyscallConn(); err == nil {
		raw.rc = rc
		if !raw.pollable {
			// A device the poller cannot wait on is read blocking.
			_ = rc.Control(func(fd uintptr) { _ = syscall.SetNonblock(int(fd), false) })
		}
	} else {
		raw.pollable = false
	}
	return &stream{raw: raw}
}

// arm clears a deadline left by an earlier reader's cancellation.
func (r *rawFile) arm() {
	if r.pollable {
		_ = r.f.SetReadDeadline(time.Time{})
	}
}

// interrupt makes a waiting read return.
func (r *rawFile) interrupt() {
	if r.pollable {
		_ = r.f.SetReadDeadline(time.Unix(1, 0))
	}
}

func (r *rawFile) read(p []byte) (int, error) {
	if !r.pollable {
		return r.f.Read(p)
	}
	if !r.fifo {
		return r.f.Read(p)
	}
	var n int
	var rerr error
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = syscall.Read(int(fd), p)
			if !errors.Is(rerr, syscall.EINTR) {
				break
			}
		}
		switch {
		case errors.Is(rerr, syscall.EAGAIN):
			r.waited = true // a writer is there, with nothing written yet
			return false
		case rerr == nil && n == 0 && !r.waited:
			r.waited = true
			if hungUp(fd) {
				// A writer came and went before this read: the end.
				return true
			}
			// No writer has opened the pipe yet: wait until one writes or
			// closes (the poller then reports the pipe ready). The hang-up
			// is asked of poll(2) itself: the poller's edge for it may have
			// come before this read and been dropped with the readiness the
			// read reset.
			return false
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	if rerr != nil {
		return 0, &fs.PathError{Op: "read", Path: r.f.Name(), Err: rerr}
	}
	if n > 0 {
		r.waited = true
		return n, nil
	}
	return 0, io.EOF
}

func (r *rawFile) close() error { return r.f.Close() }

// hungUp reports whether the pipe fd reports POLLHUP now: the last writer
// closed it (a FIFO reports it only once a writer was seen).
func hungUp(fd uintptr) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n > 0 && fds[0].Revents&unix.POLLHUP != 0
	}
}
