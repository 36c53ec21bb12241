package connectortest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
)

// DefaultHugeRows is the row count of the huge-batch subtest unless
// Harness.HugeRows says otherwise; testing.Short() divides it by 16.
const DefaultHugeRows = 1 << 20

// Harness describes a connector to Run.
type Harness struct {
	// Name names the connector in messages.
	Name string
	// Ext is the file extension of the format including the dot, e.g.
	// ".csv"; the suite writes to files named data<Ext> in a fresh
	// temporary directory.
	Ext string
	// NewSource returns a Source reading path. It may register cleanups
	// on t (they run before the subtest's allocator is checked).
	NewSource func(t *testing.T, path string) connectors.Source
	// NewSink returns a Sink writing path.
	NewSink func(t *testing.T, path string) connectors.Sink
	// NewHintedSource, when set, returns a Source reading path with schema
	// as a type hint. The suite then reads back everything it wrote
	// through it; formats that do not store types (CSV, JSON) set it.
	NewHintedSource func(t *testing.T, path string, schema *arrow.Schema) connectors.Source
	// Types lists the Arrow types the format round-trips exactly (through
	// NewHintedSource when set). Batch must support each.
	Types []arrow.DataType
	// EmptyLosesSchema says a zero-row dataset reads back without its
	// columns (NDJSON read without a hint stores nothing). The suite then
	// only checks that zero rows come back.
	EmptyLosesSchema bool
	// HugeRows is the row count of the huge-batch subtest; zero means
	// DefaultHugeRows, negative skips the subtest.
	HugeRows int
	// Dataset returns the identity expected of a source or sink of path;
	// nil means lineage.FileDataset.
	Dataset func(path string) lineage.Dataset
	// NotFiles says the datasets do not live on the file system (an
	// in-memory store): the suite then skips its file-system checks and
	// relies on Source.Open failing for a dataset not yet committed.
	NotFiles bool
	// DictionaryAsValues says a dictionary-encoded column reads back as a
	// plain column of its value type holding the same values (text
	// formats keep no dictionary; Parquet's dictionary is an encoding).
	// Otherwise it must read back with its dictionary type. Either way
	// only values are compared: a reader may see other dictionaries than
	// those written (one unified dictionary, say).
	DictionaryAsValues bool
	// DictionaryIndex, when set, is the index type every dictionary column
	// reads back with, whatever index type was written (Parquet keeps the
	// dictionary, not the width of its indices, and reads int32).
	DictionaryIndex arrow.DataType
	// ListText, when set, says the format keeps a list<string> column as
	// text: it reads back as a string column whose cell is ListText of the
	// list's items, a null list or an empty result as null.
	// csvconnector.ListText is one.
	ListText func(items []string) string
	// ListsWriteOnly says the source cannot read list columns back (NDJSON
	// read without a type hint): the suite then checks only that the sink
	// writes them.
	ListsWriteOnly bool
}

// Run runs the conformance suite against h as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.NewSource, "Harness.NewSource")
	require.NotNil(t, h.NewSink, "Harness.NewSink")
	require.NotEmpty(t, h.Types, "Harness.Types")
	s := suite{h: h}
	t.Run("RoundTrip", s.roundTrip)
	t.Run("RoundTripEachType", s.roundTripEachType)
	t.Run("MultipleWrites", s.multipleWrites)
	t.Run("Empty", s.empty)
	t.Run("HugeBatch", s.huge)
	t.Run("Projection", s.projection)
	t.Run("UnknownColumn", s.unknownColumn)
	t.Run("NothingVisibleBeforeCommit", s.invisibleBeforeCommit)
	t.Run("AbortLeavesNothing", s.abortLeavesNothing)
	t.Run("AbortKeepsPrevious", s.abortKeepsPrevious)
	t.Run("ClosedAfterCommit", s.closedAfterCommit)
	t.Run("ClosedAfterAbort", s.closedAfterAbort)
	t.Run("SchemaMismatch", s.schemaMismatch)
	t.Run("Dataset", s.dataset)
	t.Run("IndependentReaders", s.independentReaders)
	t.Run("Dictionaries", s.dictionaries)
	t.Run("Lists", s.lists)
	t.Run("Quarantine", s.quarantine)
}

type suite struct{ h Harness }

func (s suite) path(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data"+s.h.Ext)
}

func (s suite) readSource(t *testing.T, path string, schema *arrow.Schema) connectors.Source {
	t.Helper()
	if s.h.NewHintedSource != nil {
		return s.h.NewHintedSource(t, path, schema)
	}
	return s.h.NewSource(t, path)
}

func (s suite) batch(t *testing.T, mem memory.Allocator, rows int, types ...arrow.DataType) arrow.RecordBatch {
	t.Helper()
	b, err := Batch(mem, rows, types...)
	require.NoError(t, err)
	return b
}

// write commits batches to a new dataset at path.
func (s suite) write(t *testing.T, path string, schema *arrow.Schema, batches ...arrow.RecordBatch) {
	t.Helper()
	ctx := context.Background()
	w, err := s.h.NewSink(t, path).Create(ctx, schema)
	require.NoError(t, err, "Create")
	for _, b := range batches {
		require.NoError(t, w.Write(b), "Write")
	}
	require.NoError(t, w.Commit(ctx), "Commit")
}

// readAll reads every batch of src; the batches are the caller's to
// release.
func readAll(t *testing.T, src connectors.Source, opts connectors.ReadOptions) (*arrow.Schema, []arrow.RecordBatch) {
	t.Helper()
	rdr, err := src.Open(context.Background(), opts)
	require.NoError(t, err, "Open")
	defer rdr.Release()
	var out []arrow.RecordBatch
	for rdr.Next() {
		b := rdr.RecordBatch()
		assert.LessOrEqual(t, b.NumRows(), int64(opts.Rows()), "batch larger than ReadOptions.BatchSize")
		assert.True(t, b.Schema().Equal(rdr.Schema()), "batch schema %s differs from reader schema %s", b.Schema(), rdr.Schema())
		b.Retain()
		out = append(out, b)
	}
	if err := rdr.Err(); err != nil {
		releaseAll(out)
		require.NoError(t, err, "reader Err")
	}
	return rdr.Schema(), out
}

func releaseAll(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// AssertSameSchema checks that got has the field names and types of want,
// in order; nullability and metadata are not compared.
func AssertSameSchema(t testing.TB, want, got *arrow.Schema) bool {
	t.Helper()
	if !assert.Equal(t, want.NumFields(), got.NumFields(), "number of fields: want %s, got %s", want, got) {
		return false
	}
	ok := true
	for i, f := range want.Fields() {
		g := got.Field(i)
		ok = assert.Equal(t, f.Name, g.Name, "field %d name", i) && ok
		ok = assert.True(t, arrow.TypeEqual(f.Type, g.Type), "field %q: type %s, want %s", f.Name, g.Type, f.Type) && ok
	}
	return ok
}

// AssertBatchesEqual checks that the rows of got, concatenated, equal the
// rows of want column by column (by position), reporting the first
// differing value.
func AssertBatchesEqual(t testing.TB, want arrow.RecordBatch, got []arrow.RecordBatch) bool {
	t.Helper()
	var n int64
	for _, b := range got {
		n += b.NumRows()
	}
	if !assert.Equal(t, want.NumRows(), n, "row count") {
		return false
	}
	var off int64
	for _, b := range got {
		if !assert.Equal(t, want.NumCols(), b.NumCols(), "column count") {
			return false
		}
		for c := range int(want.NumCols()) {
			w, g := want.Column(c), b.Column(c)
			if !arrow.TypeEqual(w.DataType(), g.DataType()) {
				return assert.Fail(t, "column type", "column %d: type %s, want %s", c, g.DataType(), w.DataType())
			}
			if array.SliceEqual(w, off, off+b.NumRows(), g, 0, b.NumRows()) {
				continue
			}
			for r := range int(b.NumRows()) {
				wr := int(off) + r
				if w.IsNull(wr) != g.IsNull(r) || (!w.IsNull(wr) && !array.SliceEqual(w, int64(wr), int64(wr+1), g, int64(r), int64(r+1))) {
					return assert.Fail(t, "values differ", "column %q row %d: got %s, want %s",
						want.ColumnName(c), wr, valueStr(g, r), valueStr(w, wr))
				}
			}
			return assert.Fail(t, "values differ", "column %q differs", want.ColumnName(c))
		}
		off += b.NumRows()
	}
	return true
}

func valueStr(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "null"
	}
	return fmt.Sprintf("%q", a.ValueStr(i))
}

func (s suite) roundTrip(t *testing.T) {
	mem := arrowtest.Allocator(t)
	want := s.batch(t, mem, 100, s.h.Types...)
	defer want.Release()
	path := s.path(t)
	s.write(t, path, want.Schema(), want)

	src := s.readSource(t, path, want.Schema())
	schema, err := src.Schema(context.Background())
	require.NoError(t, err, "Schema")
	AssertSameSchema(t, want.Schema(), schema)

	got, gotBatches := readAll(t, src, connectors.ReadOptions{Allocator: mem, BatchSize: 32})
	defer releaseAll(gotBatches)
	AssertSameSchema(t, want.Schema(), got)
	assert.Len(t, gotBatches, 4, "100 rows in batches of 32")
	AssertBatchesEqual(t, want, gotBatches)
}

func (s suite) roundTripEachType(t *testing.T) {
	for _, dt := range s.h.Types {
		t.Run(dt.String(), func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			want := s.batch(t, mem, 20, dt)
			defer want.Release()
			path := s.path(t)
			s.write(t, path, want.Schema(), want)
			got, gotBatches := readAll(t, s.readSource(t, path, want.Schema()), connectors.ReadOptions{Allocator: mem})
			defer releaseAll(gotBatches)
			AssertSameSchema(t, want.Schema(), got)
			AssertBatchesEqual(t, want, gotBatches)
		})
	}
}

func (s suite) multipleWrites(t *testing.T) {
	mem := arrowtest.Allocator(t)
	want := s.batch(t, mem, 50, s.h.Types...)
	defer want.Release()
	a, b := want.NewSlice(0, 20), want.NewSlice(20, 50)
	defer a.Release()
	defer b.Release()
	path := s.path(t)
	s.write(t, path, want.Schema(), a, b)
	_, got := readAll(t, s.readSource(t, path, want.Schema()), connectors.ReadOptions{Allocator: mem})
	defer releaseAll(got)
	AssertBatchesEqual(t, want, got)
}

func (s suite) empty(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := Schema(s.h.Types...)
	path := s.path(t)
	s.write(t, path, schema)

	src := s.readSource(t, path, schema)
	got, batches := readAll(t, src, connectors.ReadOptions{Allocator: mem})
	defer releaseAll(batches)
	var n int64
	for _, b := range batches {
		n += b.NumRows()
	}
	assert.Zero(t, n, "rows")
	if !s.h.EmptyLosesSchema {
		AssertSameSchema(t, schema, got)
		sch, err := src.Schema(context.Background())
		require.NoError(t, err, "Schema")
		AssertSameSchema(t, schema, sch)
	}
}

func (s suite) huge(t *testing.T) {
	rows := s.h.HugeRows
	switch {
	case rows < 0:
		t.Skip("Harness.HugeRows < 0")
	case rows == 0:
		rows = DefaultHugeRows
		if testing.Short() {
			rows /= 16
		}
	}
	mem := arrowtest.Allocator(t)
	types := s.h.Types
	want := s.batch(t, mem, rows, types...)
	defer want.Release()
	path := s.path(t)
	s.write(t, path, want.Schema(), want)

	batchSize := rows/5 + 1
	_, got := readAll(t, s.readSource(t, path, want.Schema()), connectors.ReadOptions{Allocator: mem, BatchSize: batchSize})
	defer releaseAll(got)
	assert.GreaterOrEqual(t, len(got), 5, "batches")
	AssertBatchesEqual(t, want, got)
}

func (s suite) projectionTypes() []arrow.DataType {
	types := slices.Clone(s.h.Types)
	if len(types) < 3 {
		// Projection needs a few columns: repeat the first type.
		for len(types) < 3 {
			types = append(types, types[0])
		}
	}
	return types
}

func (s suite) projection(t *testing.T) {
	mem := arrowtest.Allocator(t)
	types := s.projectionTypes()
	full := s.batch(t, mem, 40, types...)
	defer full.Release()
	path := s.path(t)
	s.write(t, path, full.Schema(), full)

	last := len(types) - 1
	cols := []int{last, 0}
	names := []string{full.ColumnName(last), full.ColumnName(0)}
	fields := []arrow.Field{full.Schema().Field(last), full.Schema().Field(0)}
	arrs := []arrow.Array{full.Column(last), full.Column(0)}
	want := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, full.NumRows())
	defer want.Release()
	_ = cols

	got, batches := readAll(t, s.readSource(t, path, full.Schema()), connectors.ReadOptions{Allocator: mem, Columns: names, BatchSize: 16})
	defer releaseAll(batches)
	AssertSameSchema(t, want.Schema(), got)
	AssertBatchesEqual(t, want, batches)
}

func (s suite) unknownColumn(t *testing.T) {
	mem := arrowtest.Allocator(t)
	full := s.batch(t, mem, 5, s.h.Types...)
	defer full.Release()
	path := s.path(t)
	s.write(t, path, full.Schema(), full)

	src := s.readSource(t, path, full.Schema())
	err := openErr(src, connectors.ReadOptions{Allocator: mem, Columns: []string{full.ColumnName(0), "no_such_column"}})
	require.Error(t, err)
	assert.ErrorIs(t, err, connectors.ErrNoColumn)
	assert.Contains(t, err.Error(), "no_such_column")
}

// openErr opens src and drains the reader, returning the error of Open or
// of the reader.
func openErr(src connectors.Source, opts connectors.ReadOptions) error {
	rdr, err := src.Open(context.Background(), opts)
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
	}
	if err := rdr.Err(); err != nil {
		return err
	}
	return nil
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

func (s suite) assertAbsent(t *testing.T, path string, mem memory.Allocator) {
	t.Helper()
	if !s.h.NotFiles {
		_, err := os.Stat(path)
		assert.ErrorIs(t, err, os.ErrNotExist, "file %s exists", path)
	}
	err := openErr(s.h.NewSource(t, path), connectors.ReadOptions{Allocator: mem})
	assert.Error(t, err, "reading a dataset that was never committed")
}

func (s suite) invisibleBeforeCommit(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := s.batch(t, mem, 30, s.h.Types...)
	defer b.Release()
	path := s.path(t)
	ctx := context.Background()
	w, err := s.h.NewSink(t, path).Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	s.assertAbsent(t, path, mem)

	require.NoError(t, w.Commit(ctx))
	_, got := readAll(t, s.readSource(t, path, b.Schema()), connectors.ReadOptions{Allocator: mem})
	defer releaseAll(got)
	AssertBatchesEqual(t, b, got)
}

func (s suite) abortLeavesNothing(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := s.batch(t, mem, 30, s.h.Types...)
	defer b.Release()
	path := s.path(t)
	dir := filepath.Dir(path)
	var before []string
	if !s.h.NotFiles {
		before = listDir(t, dir)
	}
	ctx := context.Background()
	w, err := s.h.NewSink(t, path).Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Abort(ctx))
	if !s.h.NotFiles {
		assert.Equal(t, before, listDir(t, dir), "directory after Abort")
	}
	s.assertAbsent(t, path, mem)
}

func (s suite) abortKeepsPrevious(t *testing.T) {
	mem := arrowtest.Allocator(t)
	first := s.batch(t, mem, 10, s.h.Types...)
	defer first.Release()
	second := s.batch(t, mem, 25, s.h.Types...)
	defer second.Release()
	path := s.path(t)
	s.write(t, path, first.Schema(), first)
	var before []string
	if !s.h.NotFiles {
		before = listDir(t, filepath.Dir(path))
	}

	ctx := context.Background()
	w, err := s.h.NewSink(t, path).Create(ctx, second.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(second))
	// Until Commit, readers still see the first version.
	_, got := readAll(t, s.readSource(t, path, first.Schema()), connectors.ReadOptions{Allocator: mem})
	AssertBatchesEqual(t, first, got)
	releaseAll(got)
	require.NoError(t, w.Abort(ctx))
	if !s.h.NotFiles {
		assert.Equal(t, before, listDir(t, filepath.Dir(path)), "directory after Abort")
	}
	_, got = readAll(t, s.readSource(t, path, first.Schema()), connectors.ReadOptions{Allocator: mem})
	AssertBatchesEqual(t, first, got)
	releaseAll(got)

	// A committed overwrite replaces the whole dataset.
	s.write(t, path, second.Schema(), second)
	_, got = readAll(t, s.readSource(t, path, second.Schema()), connectors.ReadOptions{Allocator: mem})
	defer releaseAll(got)
	AssertBatchesEqual(t, second, got)
}

func (s suite) closedAfterCommit(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := s.batch(t, mem, 3, s.h.Types...)
	defer b.Release()
	ctx := context.Background()
	w, err := s.h.NewSink(t, s.path(t)).Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Commit(ctx))
	assert.ErrorIs(t, w.Write(b), connectors.ErrClosed, "Write after Commit")
	assert.ErrorIs(t, w.Commit(ctx), connectors.ErrClosed, "Commit after Commit")
	assert.ErrorIs(t, w.Abort(ctx), connectors.ErrClosed, "Abort after Commit")
}

func (s suite) closedAfterAbort(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b := s.batch(t, mem, 3, s.h.Types...)
	defer b.Release()
	ctx := context.Background()
	w, err := s.h.NewSink(t, s.path(t)).Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Abort(ctx))
	assert.ErrorIs(t, w.Write(b), connectors.ErrClosed, "Write after Abort")
	assert.ErrorIs(t, w.Commit(ctx), connectors.ErrClosed, "Commit after Abort")
	assert.ErrorIs(t, w.Abort(ctx), connectors.ErrClosed, "Abort after Abort")
}

func (s suite) schemaMismatch(t *testing.T) {
	mem := arrowtest.Allocator(t)
	types := s.projectionTypes()
	b := s.batch(t, mem, 3, types...)
	defer b.Release()
	other := s.batch(t, mem, 3, types[:len(types)-1]...)
	defer other.Release()
	path := s.path(t)
	var before []string
	if !s.h.NotFiles {
		before = listDir(t, filepath.Dir(path))
	}
	ctx := context.Background()
	w, err := s.h.NewSink(t, path).Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	err = w.Write(other)
	require.Error(t, err)
	assert.ErrorIs(t, err, connectors.ErrSchemaMismatch)
	require.NoError(t, w.Abort(ctx), "Abort after a failed Write")
	if !s.h.NotFiles {
		assert.Equal(t, before, listDir(t, filepath.Dir(path)), "directory after Abort")
	}
}

func (s suite) dataset(t *testing.T) {
	path := s.path(t)
	want := s.h.Dataset
	if want == nil {
		want = func(p string) lineage.Dataset {
			d, err := lineage.FileDataset(p)
			require.NoError(t, err)
			return d
		}
	}
	rel, err := filepath.Rel(mustGetwd(t), path)
	if err != nil || s.h.NotFiles {
		rel = path
	}
	assert.Equal(t, want(path), s.h.NewSource(t, path).Dataset(), "Source.Dataset")
	assert.Equal(t, want(path), s.h.NewSink(t, path).Dataset(), "Sink.Dataset")
	assert.Equal(t, want(path), s.h.NewSource(t, rel).Dataset(), "Source.Dataset of a relative path")
	if s.h.Dataset == nil {
		assert.Equal(t, lineage.FileNamespace, s.h.NewSource(t, rel).Dataset().Namespace)
		assert.True(t, filepath.IsAbs(s.h.NewSource(t, rel).Dataset().Name), "name is an absolute path")
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return wd
}

func (s suite) independentReaders(t *testing.T) {
	mem := arrowtest.Allocator(t)
	want := s.batch(t, mem, 50, s.h.Types...)
	defer want.Release()
	path := s.path(t)
	s.write(t, path, want.Schema(), want)
	src := s.readSource(t, path, want.Schema())
	ctx := context.Background()
	opts := connectors.ReadOptions{Allocator: mem, BatchSize: 10}
	r1, err := src.Open(ctx, opts)
	require.NoError(t, err)
	defer r1.Release()
	r2, err := src.Open(ctx, opts)
	require.NoError(t, err)
	defer r2.Release()
	var got1, got2 []arrow.RecordBatch
	defer func() { releaseAll(got1); releaseAll(got2) }()
	for {
		n1, n2 := r1.Next(), r2.Next()
		if n1 {
			r1.RecordBatch().Retain()
			got1 = append(got1, r1.RecordBatch())
		}
		if n2 {
			r2.RecordBatch().Retain()
			got2 = append(got2, r2.RecordBatch())
		}
		if !n1 && !n2 {
			break
		}
	}
	require.NoError(t, errors.Join(r1.Err(), r2.Err()))
	AssertBatchesEqual(t, want, got1)
	AssertBatchesEqual(t, want, got2)
}
