package parquetconnector

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func wideSchema(n int) *arrow.Schema {
	fields := make([]arrow.Field, n)
	for i := range fields {
		fields[i] = arrow.Field{Name: "c" + strconv.Itoa(i), Type: arrow.PrimitiveTypes.Int8}
	}
	return arrow.NewSchema(fields, nil)
}

func TestSinkColumnLimit(t *testing.T) {
	tests := []struct {
		name    string
		columns int
		wantErr bool
	}{
		{"at the limit", MaxSinkColumns, false},
		{"one more", MaxSinkColumns + 1, true},
		{"far more", 100_000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.wantErr && testing.Short() {
				t.Skip("writes 65,534 columns")
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "wide.parquet")
			sink, err := NewSink(path)
			require.NoError(t, err)
			schema := wideSchema(tt.columns)
			w, err := sink.Create(context.Background(), schema)
			if tt.wantErr {
				require.ErrorIs(t, err, connectors.ErrUnsupported)
				assert.Contains(t, err.Error(), path)
				assert.Contains(t, err.Error(), strconv.Itoa(tt.columns)+" columns")
			} else {
				require.NoError(t, err)
				mem := arrowtest.Allocator(t)
				b := array.NewRecordBuilder(mem, schema)
				for _, f := range b.Fields() {
					f.(*array.Int8Builder).Append(1)
				}
				rec := b.NewRecordBatch()
				b.Release()
				require.NoError(t, w.Write(rec))
				rec.Release()
				require.NoError(t, w.Commit(context.Background()))
				require.NoError(t, os.Remove(path))
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "no file is left behind")
		})
	}
}
