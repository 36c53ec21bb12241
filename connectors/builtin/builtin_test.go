//go:build unix

package builtin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestRandomAccessFormatsRefuseAFIFO(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"in.parquet", "in.arrow", "in.arrows", "in.feather"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, syscall.Mkfifo(path, 0o600))
			_, err := builtin.Open(path, builtin.Options{}) // must not block
			require.ErrorIs(t, err, connectors.ErrUnsupported)
			assert.Contains(t, err.Error(), "named pipe (FIFO)")
			assert.Contains(t, err.Error(), "needs a regular file")
		})
	}
}

func TestEmptyDirectoryRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d.csv")
	require.NoError(t, os.Mkdir(dir, 0o700))
	_, err := builtin.Open(dir, builtin.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no files match in directory")
	_, err = builtin.Create(dir, builtin.Options{})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), "is a directory")

	_, err = builtin.Open(filepath.Join(t.TempDir(), "d.parquet"), builtin.Options{})
	require.NoError(t, err, "a missing file is reported when it is read")
}

func TestTextOptions(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long.csv")
	require.NoError(t, os.WriteFile(long, []byte("a\n"+strings.Repeat("x", 200)+"\n"), 0o600))
	bad := filepath.Join(dir, "bad.ndjson")
	require.NoError(t, os.WriteFile(bad, []byte("{\"email\":1}\n{\"email\":\"x@y.io\"}\n"), 0o600))
	redact := func(string, string) string { return "[redacted]" }
	hint := arrow.NewSchema([]arrow.Field{{Name: "email", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tests := []struct {
		name, path string
		opts       builtin.Options
		contains   string
		is         error
	}{
		{"csv limit", long, builtin.Options{Limits: connectors.Limits{MaxRecordBytes: 100}}, "longer than 100 bytes", connectors.ErrLimit},
		{"json redact", bad, builtin.Options{Redact: redact, SchemaHint: hint}, `"[redacted]"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := builtin.Open(tt.path, tt.opts)
			require.NoError(t, err)
			rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: arrowtest.Allocator(t)})
			if err == nil {
				for rdr.Next() {
				}
				err = rdr.Err()
				rdr.Release()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.contains)
			assert.NotContains(t, err.Error(), "x@y.io")
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestParquetSinkOptions(t *testing.T) {
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tests := []struct {
		name      string
		opts      builtin.Options
		wantErr   string
		wantRGs   int
		wantCodec string
	}{
		{"defaults", builtin.Options{}, "", 1, "SNAPPY"},
		{"row group rows", builtin.Options{RowGroupRows: 40}, "", 3, "SNAPPY"},
		{"lz4", builtin.Options{Compression: "lz4"}, "", 1, "LZ4_RAW"},
		{"zstd and bytes", builtin.Options{Compression: "zstd", RowGroupBytes: 1 << 20}, "", 1, "ZSTD"},
		{"bad rows", builtin.Options{RowGroupRows: -1}, "row group rows -1", 0, ""},
		{"bad bytes", builtin.Options{RowGroupBytes: -5}, "row group bytes -5", 0, ""},
		{"bad codec", builtin.Options{Compression: "lz5"}, `"lz5"`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.parquet")
			sink, err := builtin.Create(path, tt.opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			mem := arrowtest.Allocator(t)
			b := array.NewInt64Builder(mem)
			for i := range 100 {
				b.Append(int64(i))
			}
			col := b.NewArray()
			b.Release()
			rec := array.NewRecordBatch(schema, []arrow.Array{col}, 100)
			col.Release()
			w, err := sink.Create(ctx, schema)
			require.NoError(t, err)
			require.NoError(t, w.Write(rec))
			rec.Release()
			require.NoError(t, w.Commit(ctx))

			rdr, err := file.OpenParquetFile(path, false)
			require.NoError(t, err)
			defer rdr.Close()
			assert.Equal(t, tt.wantRGs, rdr.NumRowGroups())
			cc, err := rdr.MetaData().RowGroup(0).ColumnChunk(0)
			require.NoError(t, err)
			assert.Equal(t, tt.wantCodec, cc.Compression().String())
		})
	}
}
