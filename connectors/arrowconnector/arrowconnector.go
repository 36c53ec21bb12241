package arrowconnector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
)

// fileMagic starts (and ends) an Arrow IPC file.
const fileMagic = "ARROW1"

func corrupt(path string, err error) error {
	return fmt.Errorf("arrowconnector: %s: %w: %w", path, connectors.ErrCorrupt, err)
}

// Source reads an Arrow IPC file or stream.
type Source struct {
	path   string
	ds     lineage.Dataset
	limits Limits
}

var _ connectors.Source = (*Source)(nil)

// NewSource returns a Source reading the Arrow IPC file or stream at path.
// Nothing is read until Schema or Open.
func NewSource(path string, opts ...SourceOption) *Source {
	s := &Source{path: path, ds: lineage.FileDatasetOf(path), limits: DefaultLimits}
	for _, o := range opts {
		o(s)
	}
	return s
}

// SourceOption configures a Source.
type SourceOption func(*Source)

// WithLimits sets the limits a file must keep to; zero fields keep their
// defaults.
func WithLimits(l Limits) SourceOption {
	return func(s *Source) { s.limits = l.withDefaults() }
}

// Dataset returns namespace "file" and the absolute path.
func (s *Source) Dataset() lineage.Dataset { return s.ds }

// Schema reads the schema, with its metadata, from the file.
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	r, err := s.open(ctx, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.schema, nil
}

// Open starts a read; see the package documentation.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	r, err := s.open(ctx, opts.Alloc())
	if err != nil {
		return nil, err
	}
	r.size = int64(opts.Rows())
	if opts.Columns != nil {
		fields := make([]arrow.Field, len(opts.Columns))
		r.idx = make([]int, len(opts.Columns))
		for i, c := range opts.Columns {
			j := r.schema.FieldIndices(c)
			if len(j) == 0 {
				r.close()
				return nil, fmt.Errorf("arrowconnector: %s: column %q: %w", s.path, c, connectors.ErrNoColumn)
			}
			r.idx[i] = j[0]
			fields[i] = r.schema.Field(j[0])
		}
		md := r.schema.Metadata()
		r.schema = arrow.NewSchema(fields, &md)
	}
	return r, nil
}

func (s *Source) open(ctx context.Context, mem memory.Allocator) (_ *reader, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("arrowconnector: %w", err)
	}
	calls := &callAllocator{Allocator: mem}
	mem = calls
	r := &reader{ctx: ctx, path: s.path, f: f, calls: calls}
	r.refs.Store(1)
	// Until the first batch is handed out, all that the reader allocates
	// is recorded (see fetch): a damaged dictionary is read here and fails
	// the first batch.
	calls.begin()
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(s.path, fmt.Errorf("decoding failed: %v", p))
		}
		if err != nil {
			r.close()
		}
	}()
	magic := make([]byte, len(fileMagic))
	n, err := f.ReadAt(magic, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("arrowconnector: %w", err)
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	lim := s.limits.withDefaults()
	sizeLimits := []ipc.Option{ipc.WithMetadataSizeLimit(lim.MaxMetadataBytes), ipc.WithBodySizeLimit(lim.MaxBodyBytes)}
	if n == len(fileMagic) && string(magic) == fileMagic && size >= 0 {
		if err := validateFile(f, size, lim); err != nil {
			return nil, corrupt(s.path, err)
		}
		calls.gc = true // see callAllocator
		r.file, err = ipc.NewFileReader(f, append(sizeLimits, ipc.WithAllocator(mem))...)
		calls.gc = false
		if err != nil {
			return nil, corrupt(s.path, err)
		}
		r.schema = r.file.Schema()
		return r, nil
	}
	r.stream, err = ipc.NewReaderFromMessageReader(newGuardedReader(f, size, lim), append(sizeLimits, ipc.WithAllocator(mem))...)
	if err != nil {
		return nil, corrupt(s.path, err)
	}
	r.schema = r.stream.Schema()
	return r, nil
}

// reader streams the batches of one open file, re-sliced and projected.
type reader struct {
	refs   atomic.Int64
	ctx    context.Context
	path   string
	f      *os.File
	calls  *callAllocator // the allocator of file and stream
	file   *ipc.FileReader
	stream *ipc.Reader
	schema *arrow.Schema // projected
	idx    []int         // projected column indices, nil for all
	size   int64

	next int               // next batch of file
	src  arrow.RecordBatch // stored batch being sliced
	off  int64
	cur  arrow.RecordBatch
	err  error
	done bool
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) == 0 {
		r.close()
	}
}

func (r *reader) close() {
	for _, b := range []*arrow.RecordBatch{&r.cur, &r.src} {
		if *b != nil {
			(*b).Release()
			*b = nil
		}
	}
	if r.file != nil {
		r.file.Close() // read-only: nothing to lose
		r.file = nil
	}
	if r.stream != nil {
		r.stream.Release()
		r.stream = nil
	}
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	// What is still live of a recording after the reader let go of all it
	// holds was dropped by arrow-go: no batch of the recording was handed
	// out.
	r.calls.end(true)
	r.done = true
}

func (r *reader) Schema() *arrow.Schema          { return r.schema }
func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }
func (r *reader) Err() error                { return r.err }

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	for r.src == nil || r.off >= r.src.NumRows() {
		if r.src != nil {
			r.src.Release()
			r.src = nil
		}
		if err := r.ctx.Err(); err != nil {
			r.fail(err)
			return false
		}
		b, err := r.fetch()
		if err != nil {
			r.fail(err)
			return false
		}
		if b == nil {
			r.close()
			return false
		}
		r.src, r.off = b, 0
	}
	end := min(r.off+r.size, r.src.NumRows())
	cols := make([]arrow.Array, 0, len(r.schema.Fields()))
	if r.idx == nil {
		cols = append(cols, r.src.Columns()...)
	} else {
		for _, j := range r.idx {
			cols = append(cols, r.src.Column(j))
		}
	}
	if r.off == 0 && end == r.src.NumRows() {
		r.cur = array.NewRecordBatch(r.schema, cols, end)
	} else {
		sliced := make([]arrow.Array, len(cols))
		for i, c := range cols {
			sliced[i] = array.NewSlice(c, r.off, end)
		}
		r.cur = array.NewRecordBatch(r.schema, sliced, end-r.off)
		for _, c := range sliced {
			c.Release()
		}
	}
	r.off = end
	return true
}

func (r *reader) fail(err error) {
	r.err = err
	r.close()
}

// fetch returns the next stored batch, retained and validated, or nil at
// the end. When arrow-go fails on a damaged batch, decoding it (a column
// that does not decompress, a dictionary that does not decode) or building
// the arrays that validation asks for (a dictionary read with the schema),
// it drops the buffers of the arrays it had built without releasing them.
// So the allocations are recorded from the end of the last batch handed
// out, or from the start of the reader: when a batch fails, the reader lets
// go of all it holds (the file or stream reader, with their dictionaries)
// and what is still live of the recording is given back to the allocator.
func (r *reader) fetch() (_ arrow.RecordBatch, err error) {
	var b arrow.RecordBatch
	if !r.calls.recording() {
		r.calls.begin()
	}
	defer func() {
		if p := recover(); p != nil {
			err = corrupt(r.path, fmt.Errorf("decoding failed: %v", p))
		}
		if err != nil {
			if b != nil {
				b.Release()
			}
			if r.stream != nil {
				r.stream.Release()
				r.stream = nil
			}
			if r.file != nil {
				r.file.Close() // read-only: nothing to lose
				r.file = nil
			}
		}
		r.calls.end(err != nil)
	}()
	if b, err = r.decode(); err != nil || b == nil {
		return nil, err
	}
	if err := array.ValidateRecordFull(b); err != nil {
		return nil, corrupt(r.path, fmt.Errorf("batch %d: %s", r.next-1, valueFree(err)))
	}
	return b, nil
}

// decode reads the next stored batch, retained.
func (r *reader) decode() (arrow.RecordBatch, error) {
	if r.stream != nil {
		if !r.stream.Next() {
			if err := r.stream.Err(); err != nil {
				return nil, corrupt(r.path, err)
			}
			return nil, nil
		}
		b := r.stream.RecordBatch()
		b.Retain()
		r.next++
		return b, nil
	}
	if r.file == nil || r.next >= r.file.NumRecords() {
		return nil, nil
	}
	b, err := r.file.RecordBatchAt(r.next)
	r.next++
	if err != nil {
		return nil, corrupt(r.path, fmt.Errorf("batch %d: %w", r.next-1, err))
	}
	return b, nil
}
