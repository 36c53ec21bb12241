package arrowconnector_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/arrowconnector"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

var allTypes = []arrow.DataType{
	arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16,
	arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint8,
	arrow.PrimitiveTypes.Uint64, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
	arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.Binary,
	arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Timestamp_us,
	&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Europe/Paris"},
}

func TestConformance(t *testing.T) {
	tests := []struct {
		name string
		ext  string
		opts []arrowconnector.Option
	}{
		{name: "file", ext: ".arrow"},
		{name: "stream", ext: ".arrows", opts: []arrowconnector.Option{arrowconnector.WithStreamFormat()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			connectortest.Run(t, connectortest.Harness{
				Name: "arrow " + tt.name,
				Ext:  tt.ext,
				NewSource: func(_ *testing.T, path string) connectors.Source {
					return arrowconnector.NewSource(path)
				},
				NewSink: func(_ *testing.T, path string) connectors.Sink {
					return arrowconnector.NewSink(path, tt.opts...)
				},
				Types: allTypes,
			})
		})
	}
}

func writeFile(t *testing.T, path string, rows int, opts ...arrowconnector.Option) {
	t.Helper()
	mem := arrowtest.Allocator(t)
	b, err := connectortest.Batch(mem, rows, arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String)
	require.NoError(t, err)
	defer b.Release()
	ctx := context.Background()
	w, err := arrowconnector.NewSink(path, opts...).Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Commit(ctx))
}

func readErr(t *testing.T, path string) error {
	t.Helper()
	return readErrAlloc(t, path, arrowtest.Allocator(t))
}

func readErrAlloc(t *testing.T, path string, mem memory.Allocator) error {
	t.Helper()
	rdr, err := arrowconnector.NewSource(path).Open(context.Background(), connectors.ReadOptions{Allocator: mem})
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
	}
	return rdr.Err()
}

func TestCorrupt(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []arrowconnector.Option
	}{
		{name: "file"},
		{name: "stream", opts: []arrowconnector.Option{arrowconnector.WithStreamFormat()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			good := filepath.Join(dir, "good.arrow")
			writeFile(t, good, 100, tt.opts...)
			data, err := os.ReadFile(good)
			require.NoError(t, err)
			require.NoError(t, readErr(t, good))

			bad := filepath.Join(dir, "bad.arrow")
			// Every truncation either reads cleanly (a stream cut at a
			// message boundary) or fails with ErrCorrupt; none panics.
			for n := 0; n < len(data); n += 7 {
				require.NoError(t, os.WriteFile(bad, data[:n], 0o644))
				if err := readErr(t, bad); err != nil {
					assert.ErrorIs(t, err, connectors.ErrCorrupt, "truncated at %d", n)
					assert.Contains(t, err.Error(), bad)
				}
			}
			// Damaged batch bytes: no panic, and any error wraps
			// ErrCorrupt. Damage to the schema messages at either end is
			// left out: arrow-go does not verify flatbuffers, and a damaged
			// vector length there can make it allocate without bound.
			for i := len(data) / 4; i < len(data)*3/4; i += 5 {
				damaged := append([]byte(nil), data...)
				damaged[i] ^= 0xA5
				require.NoError(t, os.WriteFile(bad, damaged, 0o644))
				// Not the checked allocator: when arrow-go fails to decode a
				// damaged batch it drops the message buffer unreleased
				// (garbage collected, but the checked allocator counts it).
				if err := readErrAlloc(t, bad, memory.NewGoAllocator()); err != nil {
					assert.ErrorIs(t, err, connectors.ErrCorrupt, "byte %d damaged", i)
				}
			}
		})
	}
}

func TestTruncatedFileIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.arrow")
	writeFile(t, good, 100)
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	bad := filepath.Join(dir, "bad.arrow")
	require.NoError(t, os.WriteFile(bad, data[:len(data)/2], 0o644))
	err = readErr(t, bad)
	require.Error(t, err)
	assert.ErrorIs(t, err, connectors.ErrCorrupt)
}

func TestMissingFile(t *testing.T) {
	err := readErr(t, filepath.Join(t.TempDir(), "absent.arrow"))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "absent.arrow")
}

func TestMetadata(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []arrowconnector.Option
	}{
		{name: "file"},
		{name: "stream", opts: []arrowconnector.Option{arrowconnector.WithStreamFormat()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			b, err := connectortest.Batch(mem, 3, arrow.PrimitiveTypes.Int64)
			require.NoError(t, err)
			defer b.Release()
			md := arrow.NewMetadata([]string{"owner"}, []string{"payments"})
			schema := arrow.NewSchema(b.Schema().Fields(), &md)
			path := filepath.Join(t.TempDir(), "m.arrow")
			ctx := context.Background()
			w, err := arrowconnector.NewSink(path, tt.opts...).Create(ctx, schema)
			require.NoError(t, err)
			mw, ok := w.(connectors.MetadataWriter)
			require.True(t, ok, "Writer implements MetadataWriter")
			mw.SetMetadata("sluice.run_id", "run-1")
			require.NoError(t, w.Write(b))
			require.NoError(t, w.Commit(ctx))

			got, err := arrowconnector.NewSource(path).Schema(ctx)
			require.NoError(t, err)
			for k, want := range map[string]string{"owner": "payments", "sluice.run_id": "run-1"} {
				v, ok := got.Metadata().GetValue(k)
				assert.True(t, ok, k)
				assert.Equal(t, want, v, k)
			}
		})
	}
}

func TestLateMetadataFailsCommit(t *testing.T) {
	mem := arrowtest.Allocator(t)
	b, err := connectortest.Batch(mem, 3, arrow.PrimitiveTypes.Int64)
	require.NoError(t, err)
	defer b.Release()
	dir := t.TempDir()
	ctx := context.Background()
	w, err := arrowconnector.NewSink(filepath.Join(dir, "m.arrow")).Create(ctx, b.Schema())
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	w.(connectors.MetadataWriter).SetMetadata("k", "v")
	err = w.Commit(ctx)
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	require.NoError(t, w.Abort(ctx), "Abort after a failed Commit")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestFlights(t *testing.T) {
	const path = "../../../shared/datasets/flights-200k.arrow"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared dataset absent: %v", err)
	}
	mem := arrowtest.Allocator(t)
	src := arrowconnector.NewSource(path)
	ctx := context.Background()
	schema, err := src.Schema(ctx)
	require.NoError(t, err)
	var names []string
	for _, f := range schema.Fields() {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"delay", "distance", "time"}, names)

	rdr, err := src.Open(ctx, connectors.ReadOptions{Allocator: mem, Columns: []string{"time", "delay"}, BatchSize: 50_000})
	require.NoError(t, err)
	defer rdr.Release()
	var rows int64
	for rdr.Next() {
		b := rdr.RecordBatch()
		assert.LessOrEqual(t, b.NumRows(), int64(50_000))
		assert.Equal(t, "time", b.ColumnName(0))
		rows += b.NumRows()
	}
	require.NoError(t, rdr.Err())
	assert.Equal(t, int64(200_000), rows)
}
