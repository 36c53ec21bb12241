package parquetconnector

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func int64Batch(t *testing.T, name string, vals ...int64) arrow.RecordBatch {
	t.Helper()
	mem := arrowtest.Allocator(t)
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	a := b.NewArray()
	defer a.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{a}, int64(len(vals)))
	t.Cleanup(rec.Release)
	return rec
}

func TestSinkAtomicity(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		run       func(t *testing.T, w connectors.Writer)
		wantFinal bool
	}{
		{"commit", func(t *testing.T, w connectors.Writer) {
			require.NoError(t, w.Write(int64Batch(t, "a", 1, 2)))
			require.NoError(t, w.Commit(ctx))
			assert.ErrorIs(t, w.Commit(ctx), connectors.ErrClosed)
			assert.ErrorIs(t, w.Abort(ctx), connectors.ErrClosed)
			assert.ErrorIs(t, w.Write(int64Batch(t, "a", 3)), connectors.ErrClosed)
		}, true},
		{"abort", func(t *testing.T, w connectors.Writer) {
			require.NoError(t, w.Write(int64Batch(t, "a", 1, 2)))
			require.NoError(t, w.Abort(ctx))
			assert.ErrorIs(t, w.Commit(ctx), connectors.ErrClosed)
		}, false},
		{"schema mismatch then abort", func(t *testing.T, w connectors.Writer) {
			assert.ErrorIs(t, w.Write(int64Batch(t, "other", 1)), connectors.ErrSchemaMismatch)
			require.NoError(t, w.Abort(ctx))
		}, false},
		{"commit after cancel", func(t *testing.T, w connectors.Writer) {
			require.NoError(t, w.Write(int64Batch(t, "a", 1)))
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			require.ErrorIs(t, w.Commit(cctx), context.Canceled)
			assert.ErrorIs(t, w.Abort(ctx), connectors.ErrClosed)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.parquet")
			sink, err := NewSink(path)
			require.NoError(t, err)
			w, err := sink.Create(ctx, int64Batch(t, "a").Schema())
			require.NoError(t, err)
			assert.NoFileExists(t, path, "nothing visible before commit")
			tt.run(t, w)
			if tt.wantFinal {
				assert.Equal(t, []string{"out.parquet"}, dirEntries(t, dir))
			} else {
				assert.Empty(t, dirEntries(t, dir))
			}
		})
	}
}

func TestSinkCommitReplacesAtomically(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.parquet")
	writeFile(t, path, []arrow.RecordBatch{int64Batch(t, "a", 1, 2, 3)}, int64Batch(t, "a").Schema(), nil)
	sink, err := NewSink(path)
	require.NoError(t, err)
	w, err := sink.Create(context.Background(), int64Batch(t, "a").Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(int64Batch(t, "a", 9)))
	src, err := NewSource(path)
	require.NoError(t, err)
	n, err := src.NumRows(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(3), n, "old file intact while the new one is written")
	require.NoError(t, w.Commit(context.Background()))
	n, err = src.NumRows(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Equal(t, []string{"out.parquet"}, dirEntries(t, dir))
	rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
	require.NoError(t, err)
	defer rr.Release()
	require.True(t, rr.Next())
	assert.Equal(t, int64(9), rr.RecordBatch().Column(0).(*array.Int64).Value(0))
}

func TestSinkErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, err := NewSink(filepath.Join(dir, "x.parquet"), WithCompression("lz5"))
	assert.ErrorContains(t, err, "lz5")

	sink, err := NewSink(filepath.Join(dir, "x.parquet"))
	require.NoError(t, err)
	nested := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)}}, nil)
	_, err = sink.Create(ctx, nested)
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), `"l"`)
	assert.Empty(t, dirEntries(t, dir))

	noDir, err := NewSink(filepath.Join(dir, "missing", "x.parquet"))
	require.NoError(t, err)
	_, err = noDir.Create(ctx, int64Batch(t, "a").Schema())
	require.Error(t, err)

	mem := arrowtest.Allocator(t)
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendNull()
	a := b.NewArray()
	defer a.Release()
	req := arrow.NewSchema([]arrow.Field{{Name: "r", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := array.NewRecordBatch(req, []arrow.Array{a}, 1)
	defer rec.Release()
	w, err := sink.Create(ctx, req)
	require.NoError(t, err)
	require.ErrorIs(t, w.Write(rec), connectors.ErrSchemaMismatch)
	require.Error(t, w.Commit(ctx), "commit after a failed write")
	assert.Empty(t, dirEntries(t, dir))
}

// failingWriter stands for a file that fails: with an error, or by
// panicking.
type failingWriter struct{ panics bool }

var errDiskFull = errors.New("no space left on device")

func (f failingWriter) Write([]byte) (int, error) {
	if f.panics {
		panic("the file went away")
	}
	return 0, errDiskFull
}

// TestSinkFailedWriteRemovesFile makes writes fail: a dictionary index out
// of range, a file that fails with an error when a row group is written,
// and one that panics (recovered). Either way the write fails, the failure
// sticks, and no file is left.
func TestSinkFailedWriteRemovesFile(t *testing.T) {
	ctx := context.Background()
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	badDict := func(t *testing.T) arrow.RecordBatch {
		mem := arrowtest.Allocator(t)
		ib := array.NewInt32Builder(mem)
		defer ib.Release()
		ib.AppendValues([]int32{0, 5}, nil)
		idx := ib.NewArray()
		defer idx.Release()
		sb := array.NewStringBuilder(mem)
		defer sb.Release()
		sb.Append("x")
		dict := sb.NewArray()
		defer dict.Release()
		col := array.NewDictionaryArray(dictType, idx, dict)
		defer col.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dictType, Nullable: true}}, nil)
		rec := array.NewRecordBatch(schema, []arrow.Array{col}, 2)
		t.Cleanup(rec.Release)
		return rec
	}
	tests := []struct {
		name  string
		batch func(t *testing.T) arrow.RecordBatch
		out   io.Writer // replaces the temporary file when set
		want  string
		is    error
	}{
		{"dictionary index out of range", badDict, nil, "5 out of", nil},
		{"file error", func(t *testing.T) arrow.RecordBatch { return int64Batch(t, "a", 1, 2, 3, 4, 5) }, failingWriter{}, "no space", errDiskFull},
		{"file panics", func(t *testing.T) arrow.RecordBatch { return int64Batch(t, "a", 1, 2, 3, 4, 5) }, failingWriter{panics: true}, "writing: the file went away", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sink, err := NewSink(filepath.Join(dir, "out.parquet"), WithRowGroupRows(2))
			require.NoError(t, err)
			rec := tt.batch(t)
			w, err := sink.Create(ctx, rec.Schema())
			require.NoError(t, err)
			if tt.out != nil {
				w.(*writer).out.w = tt.out
			}
			err = w.Write(rec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
			assert.Empty(t, dirEntries(t, dir), "temporary file removed at the failure")
			assert.Equal(t, err, w.Write(rec), "the failure sticks")
			require.Error(t, w.Commit(ctx))
			assert.Empty(t, dirEntries(t, dir))
		})
	}
}
