package arrowconnector

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/atomicfile"
	"github.com/sluicedata/sluice/lineage"
)

// Option configures a Sink.
type Option func(*Sink)

// WithStreamFormat makes the Sink write the Arrow IPC stream format instead
// of the file format.
func WithStreamFormat() Option { return func(s *Sink) { s.stream = true } }

// WithAllocator sets the allocator of the buffers a Writer makes itself
// (the unified dictionaries of the file format and the indices mapped onto
// them); the default is memory.DefaultAllocator.
func WithAllocator(mem memory.Allocator) Option { return func(s *Sink) { s.mem = mem } }

// Sink writes an Arrow IPC file (or stream, with WithStreamFormat).
//
// Dictionary-encoded columns may change their dictionary from one batch to
// the next. The stream format carries the change: a dictionary that
// extends the previous one is written as a delta, any other as a
// replacement. The file format holds one dictionary per field, so the
// Writer unifies them: each batch's indices are mapped onto the union of
// the dictionaries seen so far and kept in an unlinked spool file next to
// path, and Commit writes the batches with the final union. Readers get the
// values written, under that one dictionary. A union that outgrows the
// field's index type (more than 127 distinct values for int8 indices)
// fails the Write with an error wrapping connectors.ErrUnsupported.
// Dictionaries nested in other types (a list of dictionary values) are
// not unified: in a file they must not change between batches.
type Sink struct {
	path   string
	ds     lineage.Dataset
	stream bool
	mem    memory.Allocator
}

var _ connectors.Sink = (*Sink)(nil)

// NewSink returns a Sink writing path; see the package documentation.
func NewSink(path string, opts ...Option) *Sink {
	s := &Sink{path: path, ds: lineage.FileDatasetOf(path), mem: memory.DefaultAllocator}
	for _, o := range opts {
		o(s)
	}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	return s
}

// Dataset returns namespace "file" and the absolute path.
func (s *Sink) Dataset() lineage.Dataset { return s.ds }

// Create starts a write to a temporary file next to the sink's path.
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if schema == nil {
		return nil, fmt.Errorf("arrowconnector: %s: nil schema: %w", s.path, connectors.ErrSchemaMismatch)
	}
	af, err := atomicfile.Start(s.path, "arrowconnector: "+s.path)
	if err != nil {
		return nil, err
	}
	w := &Writer{sink: s, af: af, schema: schema}
	af.Finish, af.Discard = w.finish, w.discard
	return w, nil
}

// ipcWriter is what ipc.Writer and ipc.FileWriter have in common.
type ipcWriter interface {
	Write(arrow.RecordBatch) error
	Close() error
}

// Writer writes one Arrow IPC file. It implements
// connectors.MetadataWriter.
type Writer struct {
	sink     *Sink
	af       *atomicfile.Write
	schema   *arrow.Schema
	meta     map[string]string
	lateMeta []string
	w        ipcWriter
	spool    *dictSpool // file format with dictionary columns
}

var (
	_ connectors.Writer         = (*Writer)(nil)
	_ connectors.MetadataWriter = (*Writer)(nil)
)

// SetMetadata stores a key-value pair in the schema metadata. Call it before
// the first Write.
func (w *Writer) SetMetadata(key, value string) {
	if w.w != nil {
		w.lateMeta = append(w.lateMeta, key)
		return
	}
	if w.meta == nil {
		w.meta = make(map[string]string)
	}
	w.meta[key] = value
}

func (w *Writer) start() error {
	schema := w.schema
	if len(w.meta) > 0 {
		md := schema.Metadata()
		m := make(map[string]string, md.Len()+len(w.meta))
		for i, k := range md.Keys() {
			m[k] = md.Values()[i]
		}
		for k, v := range w.meta {
			m[k] = v
		}
		nm := arrow.MetadataFrom(m)
		schema = arrow.NewSchema(schema.Fields(), &nm)
	}
	if w.sink.stream {
		w.w = ipc.NewWriter(w.af, ipc.WithSchema(schema), ipc.WithAllocator(w.sink.mem), ipc.WithDictionaryDeltas(true))
		return nil
	}
	fw, err := ipc.NewFileWriter(w.af, ipc.WithSchema(schema), ipc.WithAllocator(w.sink.mem))
	if err != nil {
		return err
	}
	w.w = fw
	if hasDictionaries(schema) {
		if w.spool, err = newDictSpool(w.sink.mem, w.sink.path, schema); err != nil {
			return err
		}
	}
	return nil
}

// Write appends batch, borrowed for the call.
func (w *Writer) Write(batch arrow.RecordBatch) error {
	if err := w.af.Open(); err != nil {
		return err
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("arrowconnector: %s: batch schema %s, want %s: %w",
			w.sink.path, batch.Schema(), w.schema, connectors.ErrSchemaMismatch)
	}
	if w.w == nil {
		if err := w.start(); err != nil {
			return fmt.Errorf("arrowconnector: %s: %w", w.sink.path, err)
		}
	}
	var err error
	if w.spool != nil {
		err = w.spool.write(batch)
	} else {
		err = fileDictErr(w.w.Write(batch))
	}
	if err != nil {
		return fmt.Errorf("arrowconnector: %s: %w", w.sink.path, err)
	}
	return nil
}

// Commit finishes the file and renames it into place.
func (w *Writer) Commit(ctx context.Context) error { return w.af.Commit(ctx) }

// Abort discards the temporary file. It is safe after a failed Commit.
func (w *Writer) Abort(ctx context.Context) error { return w.af.Abort(ctx) }

// finish writes the schema (of an empty dataset) and the file's footer.
func (w *Writer) finish() error {
	if len(w.lateMeta) > 0 {
		return fmt.Errorf("metadata keys %q set after the first Write: %w", w.lateMeta, connectors.ErrUnsupported)
	}
	if w.w == nil {
		if err := w.start(); err != nil {
			return err
		}
	}
	if w.spool != nil {
		err := w.spool.drain(w.w)
		w.spool.close()
		w.spool = nil
		if err != nil {
			_ = w.w.Close() // the file is removed: only its buffers matter
			return err
		}
	}
	return w.w.Close()
}

// discard closes the encoder of an aborted write; its output is dropped,
// so its errors do not matter.
func (w *Writer) discard() {
	if w.spool != nil {
		w.spool.close()
		w.spool = nil
	}
	if w.w != nil {
		_ = w.w.Close()
	}
}

// fileDictErr turns arrow-go's refusal of a changed dictionary in the file
// format, which only nested dictionaries can still meet, into an error
// wrapping connectors.ErrUnsupported; other errors are returned as they
// are.
func fileDictErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "Dictionary replacement detected") {
		return fmt.Errorf("a dictionary nested in another type changed between batches, "+
			"which the IPC file format cannot hold (the stream format can): %w", connectors.ErrUnsupported)
	}
	return err
}
