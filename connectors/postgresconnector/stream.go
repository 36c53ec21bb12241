package postgresconnector

import (
	"io"
	"sync"
)

// chunkSize is the size of the chunks a COPY is handed over in: one pipe
// hand-off per row (a CopyData message is one row) would cost two
// goroutine switches per row.
const chunkSize = 256 << 10

// chunkPipe carries the COPY stream from the goroutine that receives it
// (Write) to the reader (Read) in chunks, with two chunks in flight.
type chunkPipe struct {
	full     chan []byte
	free     chan []byte
	stop     chan struct{}
	stopOnce sync.Once
	buf      []byte // being filled by Write
	cur      []byte // the rest of the chunk being drained by Read
	base     []byte // that whole chunk, returned to free once drained
	err      error  // set by closeWrite before full is closed
}

func newChunkPipe() *chunkPipe {
	p := &chunkPipe{full: make(chan []byte, 2), free: make(chan []byte, 3), stop: make(chan struct{})}
	for range 3 {
		p.free <- make([]byte, 0, chunkSize)
	}
	return p
}

// Write copies b into the current chunk, handing it over when full. It
// fails with errReleased once the reader stopped.
func (p *chunkPipe) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		if p.buf == nil {
			select {
			case p.buf = <-p.free:
				p.buf = p.buf[:0]
			case <-p.stop:
				return 0, errReleased
			}
		}
		k := min(len(b), cap(p.buf)-len(p.buf))
		p.buf = append(p.buf, b[:k]...)
		b = b[k:]
		if len(p.buf) == cap(p.buf) {
			if err := p.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (p *chunkPipe) flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	select {
	case p.full <- p.buf:
		p.buf = nil
		return nil
	case <-p.stop:
		return errReleased
	}
}

// closeWrite hands over the last chunk and ends the stream with err (nil:
// io.EOF for the reader).
func (p *chunkPipe) closeWrite(err error) {
	if err == nil {
		err = p.flush()
	}
	if err == nil {
		err = io.EOF
	}
	p.err = err
	close(p.full)
}

// Read reads from the chunks handed over, then returns the writer's error.
func (p *chunkPipe) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.base != nil {
			p.free <- p.base[:0]
			p.base, p.cur = nil, nil
		}
		c, ok := <-p.full
		if !ok {
			return 0, p.err
		}
		p.base, p.cur = c, c
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// closeRead stops the writer; idempotent.
func (p *chunkPipe) closeRead() { p.stopOnce.Do(func() { close(p.stop) }) }
