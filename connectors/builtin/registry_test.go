package builtin_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

func TestErrorsListTheRegistry(t *testing.T) {
	r := builtin.New()
	_, err := r.Open("x.xlsx", builtin.Options{})
	require.ErrorIs(t, err, builtin.ErrUnknownFormat)
	for _, ext := range builtin.Extensions() {
		assert.Contains(t, err.Error(), ext)
	}
	_, err = r.Open("-", builtin.Options{Format: "xlsx"})
	require.ErrorIs(t, err, builtin.ErrUnknownFormat)
	assert.Contains(t, err.Error(), "known: parquet, csv, json, arrow")

	store := memconnector.NewStore()
	require.NoError(t, r.Register("mem", builtin.Opener{
		Source: func(u *url.URL, _ builtin.Options) (connectors.Source, error) { return store.Source(u.Host), nil },
	}))
	_, err = r.Open("postgres://db/x?table=t", builtin.Options{})
	require.ErrorIs(t, err, builtin.ErrUnknownScheme)
	assert.Contains(t, err.Error(), "known: file, mem")
	_, err = r.Create("mem://t", builtin.Options{})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), "cannot be written")
	assert.Contains(t, r.Known(), ".parquet")
	assert.Contains(t, r.Known(), "mem://")
}

func TestRegisterRefuses(t *testing.T) {
	r := builtin.New()
	o := builtin.Opener{Source: func(*url.URL, builtin.Options) (connectors.Source, error) { return nil, nil }}
	require.NoError(t, r.Register("s3", o))
	for _, tt := range []struct {
		scheme string
		o      builtin.Opener
		want   string
	}{
		{"s3", o, "registered twice"},
		{"file", o, "built in"},
		{"S3", o, "not a URL scheme"},
		{"c", o, "not a URL scheme"},
		{"gs", builtin.Opener{}, "needs a Source or a Sink"},
	} {
		err := r.Register(tt.scheme, tt.o)
		require.Error(t, err, tt.scheme)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func readAll(t *testing.T, src connectors.Source) int64 {
	t.Helper()
	rd, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: arrowtest.Allocator(t)})
	require.NoError(t, err)
	defer rd.Release()
	var n int64
	for rd.Next() {
		n += rd.RecordBatch().NumRows()
	}
	require.NoError(t, rd.Err())
	return n
}

func TestRoutes(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"day=2026-01-01/a.csv": "id\n1\n2\n", "day=2026-01-02/a.csv": "id\n3\n", "flat/x.ndjson": "{\"id\":1}\n",
	} {
		p := filepath.Join(dir, "ds", filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	}
	r := builtin.New()
	tests := []struct {
		name, target string
		opts         builtin.Options
		rows         int64
		cols         int
	}{
		{"path", filepath.Join(dir, "ds", "day=2026-01-01", "a.csv"), builtin.Options{}, 2, 1},
		{"file URL", "file://" + filepath.ToSlash(filepath.Join(dir, "ds", "flat", "x.ndjson")), builtin.Options{}, 1, 1},
		{"glob", filepath.Join(dir, "ds", "day=*", "*.csv"), builtin.Options{}, 3, 2},
		{"doublestar", filepath.Join(dir, "ds", "**", "*.csv"), builtin.Options{}, 3, 2},
		{"format overrides the extension", filepath.Join(dir, "ds", "flat", "x.ndjson"), builtin.Options{Format: "json"}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := r.Open(tt.target, tt.opts)
			require.NoError(t, err)
			schema, err := src.Schema(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.cols, schema.NumFields())
			assert.Equal(t, tt.rows, readAll(t, src))
		})
	}
	// A directory is one dataset only if its parts agree (here: partition keys).
	src, err := r.Open(filepath.Join(dir, "ds"), builtin.Options{})
	require.NoError(t, err)
	_, err = src.Schema(context.Background())
	require.ErrorIs(t, err, connectors.ErrSchemaMismatch)

	_, err = r.Open("-", builtin.Options{})
	require.ErrorIs(t, err, builtin.ErrUnknownFormat)
	assert.Contains(t, err.Error(), "needs a format")
	_, err = r.Open("-", builtin.Options{Format: "parquet"})
	require.ErrorIs(t, err, connectors.ErrUnsupported, "Parquet needs random access")
	_, err = r.Create("-", builtin.Options{Format: "csv"})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	_, err = r.Open("file://host/x.csv", builtin.Options{})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
}

func TestHintTypesPartitionsAndParts(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"n=1/a.csv": "id\n1\n", "n=2/a.csv": "id\nx\n"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	}
	hint := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}, {Name: "n", Type: arrow.BinaryTypes.String}}, nil)
	src, err := builtin.Open(dir, builtin.Options{SchemaHint: hint})
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err, "the declared type makes the parts agree")
	require.Equal(t, 2, schema.NumFields())
	assert.Equal(t, arrow.BinaryTypes.String, schema.Field(0).Type)
	assert.Equal(t, arrow.BinaryTypes.String, schema.Field(1).Type, "n declared string, not inferred int64")
	assert.Equal(t, int64(2), readAll(t, src))
}

func TestReferenceOpenerRoutes(t *testing.T) {
	store := memconnector.NewStore()
	mem := memory.NewGoAllocator()
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{7, 8}, nil)
	col := b.NewArray()
	b.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 2)
	col.Release()
	w, err := store.Sink("customers").Create(context.Background(), schema)
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	rec.Release()
	require.NoError(t, w.Commit(context.Background()))

	r := builtin.New()
	require.NoError(t, r.Register("mem", builtin.Opener{
		Source: func(u *url.URL, _ builtin.Options) (connectors.Source, error) { return store.Source(u.Host), nil },
	}))
	rd, err := r.ReferenceOpener(builtin.Options{})(context.Background(), rules.Reference{Dataset: "mem://customers", Column: "id"})
	require.NoError(t, err)
	defer rd.Release()
	require.True(t, rd.Next())
	assert.Equal(t, int64(2), rd.RecordBatch().NumRows())
}
