package memconnector

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
)

// Namespace is the OpenLineage namespace of in-memory datasets.
const Namespace = "memory"

// Store holds named in-memory datasets. The zero value is not usable; call
// NewStore.
type Store struct {
	mu   sync.RWMutex
	data map[string]*dataset
}

// dataset is one committed version: immutable once published.
type dataset struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (d *dataset) release() {
	for _, b := range d.batches {
		b.Release()
	}
}

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{data: make(map[string]*dataset)} }

// Source returns a Source reading the dataset name. The dataset need not
// exist yet; Schema and Open fail until it does.
func (s *Store) Source(name string) *Source { return &Source{store: s, name: name} }

// Sink returns a Sink writing the dataset name.
func (s *Store) Sink(name string) *Sink { return &Sink{store: s, name: name} }

// Names returns the names of the committed datasets, sorted.
func (s *Store) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.data))
	for n := range s.data {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Delete removes the dataset name, releasing its batches once no reader
// uses them.
func (s *Store) Delete(name string) {
	s.mu.Lock()
	d := s.data[name]
	delete(s.data, name)
	s.mu.Unlock()
	if d != nil {
		d.release()
	}
}

// Clear removes every dataset.
func (s *Store) Clear() {
	s.mu.Lock()
	data := s.data
	s.data = make(map[string]*dataset)
	s.mu.Unlock()
	for _, d := range data {
		d.release()
	}
}

func (s *Store) publish(name string, d *dataset) {
	s.mu.Lock()
	old := s.data[name]
	s.data[name] = d
	s.mu.Unlock()
	if old != nil {
		old.release()
	}
}

// snapshot returns the current version of name with its batches retained
// for the caller.
func (s *Store) snapshot(name string) (*arrow.Schema, []arrow.RecordBatch, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.data[name]
	if !ok {
		return nil, nil, false
	}
	for _, b := range d.batches {
		b.Retain()
	}
	return d.schema, slices.Clone(d.batches), true
}

func datasetOf(name string) lineage.Dataset {
	return lineage.Dataset{Namespace: Namespace, Name: name}
}

// Source reads one named dataset of a Store.
type Source struct {
	store *Store
	name  string
}

var _ connectors.Source = (*Source)(nil)

// Dataset returns namespace "memory" and the dataset's name.
func (s *Source) Dataset() lineage.Dataset { return datasetOf(s.name) }

// NotFoundError is returned when a Source names no committed dataset.
func (s *Source) notFound() error {
	return fmt.Errorf("memconnector: dataset %q does not exist", s.name)
}

// Schema returns the schema of the committed dataset.
func (s *Source) Schema(context.Context) (*arrow.Schema, error) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	d, ok := s.store.data[s.name]
	if !ok {
		return nil, s.notFound()
	}
	return d.schema, nil
}

// NumRows returns the number of rows of the committed dataset.
func (s *Source) NumRows(context.Context) (int64, error) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	d, ok := s.store.data[s.name]
	if !ok {
		return 0, s.notFound()
	}
	var n int64
	for _, b := range d.batches {
		n += b.NumRows()
	}
	return n, nil
}

// Open reads the version committed at the time of the call.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	schema, batches, ok := s.store.snapshot(s.name)
	if !ok {
		return nil, s.notFound()
	}
	var idx []int
	if opts.Columns != nil {
		fields := make([]arrow.Field, len(opts.Columns))
		idx = make([]int, len(opts.Columns))
		for i, c := range opts.Columns {
			j := schema.FieldIndices(c)
			if len(j) == 0 {
				for _, b := range batches {
					b.Release()
				}
				return nil, fmt.Errorf("memconnector: dataset %q: column %q: %w", s.name, c, connectors.ErrNoColumn)
			}
			idx[i] = j[0]
			fields[i] = schema.Field(j[0])
		}
		md := schema.Metadata()
		schema = arrow.NewSchema(fields, &md)
	}
	r := &reader{schema: schema, batches: batches, idx: idx, size: int64(opts.Rows())}
	r.refs.Store(1)
	return r, nil
}

// reader re-slices and projects the retained batches of one snapshot.
type reader struct {
	refs    atomic.Int64
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	idx     []int // projected column indices, nil for all
	size    int64
	pos     int   // current batch
	off     int64 // next row in batches[pos]
	cur     arrow.RecordBatch
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for _, b := range r.batches[r.pos:] {
		b.Release()
	}
	r.batches = nil
}

func (r *reader) Schema() *arrow.Schema { return r.schema }

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for r.pos < len(r.batches) {
		b := r.batches[r.pos]
		if r.off >= b.NumRows() {
			b.Release()
			r.pos++
			r.off = 0
			continue
		}
		end := min(r.off+r.size, b.NumRows())
		var s arrow.RecordBatch
		if r.off == 0 && end == b.NumRows() {
			b.Retain()
			s = b
		} else {
			s = b.NewSlice(r.off, end)
		}
		r.off = end
		if r.idx != nil {
			cols := make([]arrow.Array, len(r.idx))
			for i, j := range r.idx {
				cols[i] = s.Column(j)
			}
			p := array.NewRecordBatch(r.schema, cols, s.NumRows())
			s.Release()
			s = p
		}
		r.cur = s
		return true
	}
	return false
}

func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

func (r *reader) Err() error { return nil }

// Sink writes one named dataset of a Store.
type Sink struct {
	store *Store
	name  string
}

var _ connectors.Sink = (*Sink)(nil)

// Dataset returns namespace "memory" and the dataset's name.
func (s *Sink) Dataset() lineage.Dataset { return datasetOf(s.name) }

// Create starts a write; nothing is visible until Commit.
func (s *Sink) Create(ctx context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if schema == nil {
		return nil, fmt.Errorf("memconnector: dataset %q: nil schema: %w", s.name, connectors.ErrSchemaMismatch)
	}
	return &Writer{sink: s, d: &dataset{schema: schema}}, nil
}

// Writer collects batches for one write. It also implements
// connectors.MetadataWriter: keys set before Commit are added to the
// schema's metadata.
type Writer struct {
	sink   *Sink
	d      *dataset
	meta   map[string]string
	closed bool
}

var (
	_ connectors.Writer         = (*Writer)(nil)
	_ connectors.MetadataWriter = (*Writer)(nil)
)

// Write retains batch until the write ends.
func (w *Writer) Write(batch arrow.RecordBatch) error {
	if w.closed {
		return fmt.Errorf("memconnector: dataset %q: %w", w.sink.name, connectors.ErrClosed)
	}
	if !batch.Schema().Equal(w.d.schema) {
		return fmt.Errorf("memconnector: dataset %q: batch schema %s, want %s: %w",
			w.sink.name, batch.Schema(), w.d.schema, connectors.ErrSchemaMismatch)
	}
	batch.Retain()
	w.d.batches = append(w.d.batches, batch)
	return nil
}

// SetMetadata adds a key-value pair to the schema metadata of the
// committed dataset.
func (w *Writer) SetMetadata(key, value string) {
	if w.meta == nil {
		w.meta = make(map[string]string)
	}
	w.meta[key] = value
}

// Commit publishes the batches under the sink's name, replacing any
// previous version.
func (w *Writer) Commit(ctx context.Context) error {
	if w.closed {
		return fmt.Errorf("memconnector: dataset %q: %w", w.sink.name, connectors.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memconnector: dataset %q: %w", w.sink.name, err)
	}
	w.closed = true
	d := w.d
	w.d = nil
	if len(w.meta) > 0 {
		d.schema = withMetadata(d.schema, w.meta)
		for i, b := range d.batches {
			d.batches[i] = array.NewRecordBatch(d.schema, b.Columns(), b.NumRows())
			b.Release()
		}
	}
	w.sink.store.publish(w.sink.name, d)
	return nil
}

// Abort drops the batches.
func (w *Writer) Abort(context.Context) error {
	if w.closed {
		return fmt.Errorf("memconnector: dataset %q: %w", w.sink.name, connectors.ErrClosed)
	}
	w.closed = true
	w.d.release()
	w.d = nil
	return nil
}

func withMetadata(schema *arrow.Schema, extra map[string]string) *arrow.Schema {
	md := schema.Metadata()
	m := make(map[string]string, md.Len()+len(extra))
	for i, k := range md.Keys() {
		m[k] = md.Values()[i]
	}
	for k, v := range extra {
		m[k] = v
	}
	nm := arrow.MetadataFrom(m)
	return arrow.NewSchema(schema.Fields(), &nm)
}
