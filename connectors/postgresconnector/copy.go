package postgresconnector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/internal/mark"
)

// copySignature opens every binary COPY stream.
var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// errReleased stops a COPY whose reader was released before its end.
var errReleased = errors.New("postgresconnector: reader released")

// reader decodes a binary COPY stream, which a goroutine of its own
// receives from the server into a pipe, into Arrow batches.
type reader struct {
	refs    atomic.Int64
	src     *Source
	conn    *pgx.Conn
	ctx     context.Context
	pipe    *chunkPipe
	in      *bufio.Reader
	done    chan struct{}
	cancel  context.CancelFunc // of the COPY's context
	copyErr error              // of CopyTo, read after done is closed

	schema *arrow.Schema
	fields []arrow.Field
	plans  []plan
	opts   connectors.ReadOptions
	marks  bool
	row    int64
	buf    []byte
	header bool
	cur    arrow.RecordBatch
	err    error
	end    bool
}

func newReader(ctx context.Context, s *Source, conn *pgx.Conn, sql string, schema *arrow.Schema,
	fields []arrow.Field, plans []plan, opts connectors.ReadOptions, marks bool) *reader {
	pipe := newChunkPipe()
	r := &reader{
		src: s, conn: conn, ctx: ctx, pipe: pipe, in: bufio.NewReaderSize(pipe, 1<<16), done: make(chan struct{}),
		schema: schema, fields: fields, plans: plans, opts: opts, marks: marks,
	}
	r.refs.Store(1)
	cctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	go func() {
		defer close(r.done)
		_, err := conn.PgConn().CopyTo(cctx, pipe, sql)
		r.copyErr = err
		pipe.closeWrite(err) // nil: the reader sees io.EOF
	}()
	return r
}

func (r *reader) Retain() { r.refs.Add(1) }

// Release stops the COPY if it is still running, waits for it and closes
// the connection.
func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.pipe.closeRead()
	r.cancel() // a COPY still waiting for the server stops now
	<-r.done
	_ = r.conn.Close(context.WithoutCancel(r.ctx))
}

func (r *reader) Schema() *arrow.Schema { return r.schema }

func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

func (r *reader) Err() error { return r.err }

// fail ends the read with err, or with the COPY's own error when the
// stream broke because the COPY failed.
func (r *reader) fail(err error) bool {
	r.end = true
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		r.pipe.closeRead()
		<-r.done
		if r.copyErr != nil {
			err = r.copyErr
		}
	}
	r.err = r.src.wrap(err)
	return false
}

func (r *reader) readHeader() error {
	var h [19]byte
	if _, err := io.ReadFull(r.in, h[:]); err != nil {
		return err
	}
	if !bytes.Equal(h[:11], copySignature) {
		return fmt.Errorf("binary COPY: bad signature: %w", connectors.ErrCorrupt)
	}
	ext := binary.BigEndian.Uint32(h[15:])
	if _, err := r.in.Discard(int(ext)); err != nil {
		return err
	}
	return nil
}

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.end {
		return false
	}
	if !r.header {
		if err := r.readHeader(); err != nil {
			return r.fail(err)
		}
		r.header = true
	}
	bld := array.NewRecordBuilder(r.opts.Alloc(), r.schema)
	defer bld.Release()
	bld.Reserve(r.opts.ReserveRows())
	var m *mark.Marker
	if r.marks {
		m = mark.New(bld.Field(len(r.fields)).(*array.StringBuilder), r.fields)
	}
	var hdr [4]byte
	n := 0
	for n < r.opts.Rows() {
		if _, err := io.ReadFull(r.in, hdr[:2]); err != nil {
			return r.fail(err)
		}
		nf := int16(binary.BigEndian.Uint16(hdr[:2]))
		if nf == -1 {
			r.end = true
			break
		}
		if int(nf) != len(r.plans) {
			return r.fail(fmt.Errorf("binary COPY: row %d has %d fields, want %d: %w", r.row+1, nf, len(r.plans), connectors.ErrCorrupt))
		}
		r.row++
		for i, p := range r.plans {
			if _, err := io.ReadFull(r.in, hdr[:]); err != nil {
				return r.fail(err)
			}
			l := int32(binary.BigEndian.Uint32(hdr[:]))
			fb := bld.Field(i)
			if l < 0 {
				fb.AppendNull()
				continue
			}
			if cap(r.buf) < int(l) {
				r.buf = make([]byte, l)
			}
			b := r.buf[:l]
			if _, err := io.ReadFull(r.in, b); err != nil {
				return r.fail(err)
			}
			if err := p.decode(b, fb); err != nil {
				f := r.fields[i]
				switch r.opts.Policy(f.Name) {
				case connectors.InvalidNull:
					fb.AppendNull()
				case connectors.InvalidMark:
					fb.AppendNull()
					m.Mark(i, rawText(b, err))
				default:
					r.end = true
					r.err = &connectors.InputError{
						Path: r.src.Dataset().Name, Line: int(r.row), Column: i + 1, Field: f.Name,
						Err: fmt.Errorf("value %q: %w", r.src.redact.Show(f.Name, rawText(b, err)), err),
					}
					return false
				}
			}
		}
		if m != nil {
			m.EndRow()
		}
		n++
	}
	if r.end {
		// The trailer: the COPY must also have ended without an error.
		r.pipe.closeRead()
		<-r.done
		if r.copyErr != nil {
			return r.fail(r.copyErr)
		}
	}
	if n == 0 {
		return false
	}
	r.cur = bld.NewRecordBatch()
	return true
}
