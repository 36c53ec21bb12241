package multiconnector

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
)

// ErrNoParts is returned when a directory or glob matches no file.
var ErrNoParts = errors.New("multiconnector: no files match")

// OpenFunc opens one part. Its Source is used from one goroutine at a time.
type OpenFunc func(path string) (connectors.Source, error)

// Option configures a Source.
type Option func(*Source)

// WithParallelism bounds how many parts are read ahead at once (default 4;
// values below 1 mean 1).
func WithParallelism(n int) Option {
	return func(s *Source) { s.parallel = max(n, 1) }
}

// WithSchemaHint declares the types of partition columns by name (the
// rule file's columns); other columns of the hint are ignored here.
func WithSchemaHint(hint *arrow.Schema) Option { return func(s *Source) { s.hint = hint } }

// WithDataset sets the dataset identity (default: the root directory as a
// file dataset).
func WithDataset(ds lineage.Dataset) Option { return func(s *Source) { s.ds = ds } }

// Source reads parts as one dataset. It is safe for concurrent use once
// constructed; Schema is computed once.
type Source struct {
	root     string
	paths    []string
	rels     []string
	open     OpenFunc
	parallel int
	hint     *arrow.Schema
	ds       lineage.Dataset

	once   sync.Once
	parts  []connectors.Source
	part   *partitions
	schema *arrow.Schema
	err    error
}

// NewSource returns a source over paths (files under root), read in
// lexical order. root is the directory Hive segments are taken relative
// to.
func NewSource(root string, paths []string, open OpenFunc, opts ...Option) (*Source, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w %s", ErrNoParts, root)
	}
	s := &Source{root: root, paths: slices.Clone(paths), open: open, parallel: 4}
	slices.Sort(s.paths)
	s.rels = make([]string, len(s.paths))
	for i, p := range s.paths {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil, fmt.Errorf("multiconnector: %s is not under %s: %w", p, root, err)
		}
		s.rels[i] = rel
	}
	s.ds = lineage.FileDatasetOf(root)
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Parts returns the paths of the parts in the order they are read.
func (s *Source) Parts() []string { return slices.Clone(s.paths) }

// Dataset returns the identity of the whole dataset.
func (s *Source) Dataset() lineage.Dataset { return s.ds }

// Schema returns the parts' common schema followed by the partition
// columns. Parts whose schemas differ are an error wrapping
// connectors.ErrSchemaMismatch.
func (s *Source) Schema(ctx context.Context) (*arrow.Schema, error) {
	s.once.Do(func() { s.schema, s.err = s.resolve(ctx) })
	return s.schema, s.err
}

func (s *Source) resolve(ctx context.Context) (*arrow.Schema, error) {
	part, err := newPartitions(s.rels, s.hint)
	if err != nil {
		return nil, err
	}
	s.part = part
	s.parts = make([]connectors.Source, len(s.paths))
	var first *arrow.Schema
	for i, p := range s.paths {
		src, err := s.open(p)
		if err != nil {
			return nil, fmt.Errorf("multiconnector: %s: %w", p, err)
		}
		sc, err := src.Schema(ctx)
		if err != nil {
			return nil, fmt.Errorf("multiconnector: %s: %w", p, err)
		}
		s.parts[i] = src
		if i == 0 {
			first = sc
			continue
		}
		if err := sameSchema(first, sc); err != nil {
			return nil, fmt.Errorf("multiconnector: parts differ: %s and %s: %w (%w)", s.paths[0], p, err, connectors.ErrSchemaMismatch)
		}
	}
	fields := slices.Clone(first.Fields())
	for _, f := range part.fields {
		if first.HasField(f.Name) {
			return nil, fmt.Errorf("multiconnector: partition key %q is also a column of the parts: %w", f.Name, connectors.ErrSchemaMismatch)
		}
		fields = append(fields, f)
	}
	md := first.Metadata()
	return arrow.NewSchema(fields, &md), nil
}

// sameSchema compares names, order and types (not metadata).
func sameSchema(a, b *arrow.Schema) error {
	if a.NumFields() != b.NumFields() {
		return fmt.Errorf("%d columns against %d", a.NumFields(), b.NumFields())
	}
	for i := range a.NumFields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name {
			return fmt.Errorf("column %d is %q against %q", i, fa.Name, fb.Name)
		}
		if !arrow.TypeEqual(fa.Type, fb.Type) {
			return fmt.Errorf("column %q is %s against %s", fa.Name, fa.Type, fb.Type)
		}
	}
	return nil
}

// NumRows sums the parts' row counts when every part can answer from
// metadata; otherwise it returns an error wrapping connectors.ErrUnsupported.
func (s *Source) NumRows(ctx context.Context) (int64, error) {
	if _, err := s.Schema(ctx); err != nil {
		return 0, err
	}
	var n int64
	for i, p := range s.parts {
		rc, ok := p.(connectors.RowCounter)
		if !ok {
			return 0, fmt.Errorf("multiconnector: %s cannot count its rows: %w", s.paths[i], connectors.ErrUnsupported)
		}
		c, err := rc.NumRows(ctx)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// Open reads the parts in order, up to the parallelism ahead. The
// returned reader is the caller's to release; releasing it before the end
// stops the read-ahead and releases every buffered batch.
func (s *Source) Open(ctx context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	schema, err := s.Schema(ctx)
	if err != nil {
		return nil, err
	}
	// Split the projection into the parts' columns and partition columns.
	nPart := schema.NumFields() - len(s.part.fields)
	var inner []string
	out := schema
	var sel []int // for each output column: index in a part's batch (>= 0) or ^partition column
	if opts.Columns != nil {
		fields := make([]arrow.Field, 0, len(opts.Columns))
		for _, c := range opts.Columns {
			idx := schema.FieldIndices(c)
			if len(idx) == 0 {
				return nil, fmt.Errorf("multiconnector: column %q: %w", c, connectors.ErrNoColumn)
			}
			fields = append(fields, schema.Field(idx[0]))
			if idx[0] < nPart {
				sel = append(sel, len(inner))
				inner = append(inner, c)
			} else {
				sel = append(sel, ^(idx[0] - nPart))
			}
		}
		md := schema.Metadata()
		out = arrow.NewSchema(fields, &md)
	} else {
		for i := range schema.NumFields() {
			if i < nPart {
				sel = append(sel, i)
			} else {
				sel = append(sel, ^(i - nPart))
			}
		}
	}
	popts := opts
	popts.Columns = inner
	if opts.Columns != nil && len(inner) == 0 {
		// Only partition columns: read the parts' first column for row counts.
		popts.Columns = []string{schema.Field(0).Name}
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{schema: out, sel: sel, src: s, opts: popts, cancel: cancel,
		chans: make([]chan arrow.RecordBatch, len(s.parts)), errs: make([]error, len(s.parts)),
		slots: make(chan struct{}, s.parallel), done: make(chan struct{})}
	r.refs.Store(1)
	for i := range r.chans {
		r.chans[i] = make(chan arrow.RecordBatch, 2)
	}
	r.wg.Add(1)
	go r.launch(ctx)
	return r, nil
}

type reader struct {
	schema *arrow.Schema
	sel    []int
	src    *Source
	opts   connectors.ReadOptions
	cancel context.CancelFunc

	chans []chan arrow.RecordBatch
	errs  []error // errs[i] is written before chans[i] is closed
	slots chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup

	refs atomic.Int64
	i    int // part being consumed
	cur  arrow.RecordBatch
	err  error
	end  bool
}

// launch starts a worker per part, in order, as slots free up.
func (r *reader) launch(ctx context.Context) {
	defer r.wg.Done()
	for i := range r.chans {
		select {
		case r.slots <- struct{}{}:
		case <-r.done:
			for j := i; j < len(r.chans); j++ {
				close(r.chans[j])
			}
			return
		}
		r.wg.Add(1)
		go r.work(ctx, i)
	}
}

func (r *reader) work(ctx context.Context, i int) {
	defer r.wg.Done()
	defer close(r.chans[i])
	rd, err := r.src.parts[i].Open(ctx, r.opts)
	if err != nil {
		r.errs[i] = fmt.Errorf("multiconnector: %s: %w", r.src.paths[i], err)
		return
	}
	defer rd.Release()
	for rd.Next() {
		b := r.assemble(i, rd.RecordBatch())
		select {
		case r.chans[i] <- b:
		case <-r.done:
			b.Release()
			return
		}
	}
	if err := rd.Err(); err != nil {
		r.errs[i] = fmt.Errorf("multiconnector: %s: %w", r.src.paths[i], err)
	}
}

// assemble builds the output batch of part i from a part's batch (borrowed).
func (r *reader) assemble(i int, b arrow.RecordBatch) arrow.RecordBatch {
	n := int(b.NumRows())
	cols := make([]arrow.Array, len(r.sel))
	for k, j := range r.sel {
		if j >= 0 {
			cols[k] = b.Column(j)
			cols[k].Retain()
		} else {
			cols[k] = r.src.part.constant(r.opts.Alloc(), i, ^j, n)
		}
	}
	out := array.NewRecordBatch(r.schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return out
}

func (r *reader) Schema() *arrow.Schema          { return r.schema }
func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *reader) Record() arrow.RecordBatch      { return r.cur } //nolint:staticcheck // arrow-go's deprecated name
func (r *reader) Err() error                     { return r.err }
func (r *reader) Retain()                        { r.refs.Add(1) }

func (r *reader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for !r.end && r.i < len(r.chans) {
		b, ok := <-r.chans[r.i]
		if ok {
			r.cur = b
			return true
		}
		if err := r.errs[r.i]; err != nil {
			r.err = err
			r.stop()
			return false
		}
		<-r.slots // part i is consumed: let the next one start
		r.i++
	}
	r.stop()
	return false
}

// stop ends the read-ahead and releases what it buffered.
func (r *reader) stop() {
	if r.end {
		return
	}
	r.end = true
	close(r.done)
	r.cancel()
	for j := r.i; j < len(r.chans); j++ {
		for b := range r.chans[j] {
			b.Release()
		}
	}
	r.wg.Wait()
}

func (r *reader) Release() {
	switch n := r.refs.Add(-1); {
	case n == 0:
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		r.stop()
	case n < 0:
		panic("multiconnector: reader released more often than retained")
	}
}
