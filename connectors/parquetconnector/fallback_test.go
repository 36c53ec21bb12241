package parquetconnector

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// writeFallbackFile writes a string column whose chunks start dictionary
// encoded and switch to plain pages when the dictionary grows too large,
// over several row groups; it returns the expected values.
func writeFallbackFile(t *testing.T, path string, opts ...parquet.WriterOption) []string {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	schema := parquet.NewSchema("s", orderedGroup{
		namedField{Node: parquet.Optional(parquet.Encoded(parquet.String(), &parquet.RLEDictionary)), name: "s"},
		namedField{Node: parquet.Optional(parquet.Int(64)), name: "n"},
	})
	opts = append(opts, schema, parquet.DictionaryMaxBytes(256), parquet.PageBufferSize(512),
		parquet.MaxRowsPerRowGroup(700))
	w := parquet.NewWriter(f, opts...)
	const rows = 2000
	want := make([]string, rows)
	for i := range rows {
		row := parquet.Row{}
		if i%13 == 0 {
			want[i] = "<null>"
			row = append(row, parquet.NullValue().Level(0, 0, 0))
		} else {
			want[i] = fmt.Sprintf("value-%d", i%(50+i/10))
			row = append(row, parquet.ByteArrayValue([]byte(want[i])).Level(0, 1, 0))
		}
		row = append(row, parquet.Int64Value(int64(i)).Level(0, 1, 1))
		_, err := w.WriteRows([]parquet.Row{row})
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	return want
}

// TestDictionaryFallbackToPlain reads such a column as plain strings (the
// footer reports plain pages) and, when the ARROW:schema entry asks for a
// dictionary, as dictionary arrays whose dictionary the plain values
// extend.
func TestDictionaryFallbackToPlain(t *testing.T) {
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	var buf bytes.Buffer
	iw := ipc.NewWriter(&buf, ipc.WithSchema(hint))
	require.NoError(t, iw.Close())
	tests := []struct {
		name     string
		opts     []parquet.WriterOption
		wantType arrow.Type
	}{
		{"plain", nil, arrow.STRING},
		{"dictionary hint", []parquet.WriterOption{parquet.KeyValueMetadata(arrowSchemaKey, base64.StdEncoding.EncodeToString(buf.Bytes()))}, arrow.DICTIONARY},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "fallback.parquet")
		want := writeFallbackFile(t, path, tt.opts...)
		for _, batch := range []int{1, 33, 4096} {
			t.Run(fmt.Sprint(tt.name, " batch ", batch), func(t *testing.T) {
				mem := arrowtest.Allocator(t)
				src, err := NewSource(path)
				require.NoError(t, err)
				rr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: batch, Allocator: mem})
				require.NoError(t, err)
				defer rr.Release()
				assert.Equal(t, tt.wantType, rr.Schema().Field(0).Type.ID())
				i := 0
				for rr.Next() {
					rec := rr.RecordBatch()
					if d, ok := rec.Column(0).(*array.Dictionary); ok {
						for r := range d.Len() {
							if d.IsValid(r) {
								require.Less(t, d.GetValueIndex(r), d.Dictionary().Len())
							}
						}
					}
					for r := range int(rec.NumRows()) {
						v, null := cell(rec.Column(0), r)
						if null {
							v = "<null>"
						}
						require.Equal(t, want[i], v, "row %d", i)
						assert.Equal(t, fmt.Sprint(i), rec.Column(1).ValueStr(r))
						i++
					}
				}
				require.NoError(t, rr.Err())
				assert.Len(t, want, i)
			})
		}
	}
}

func TestReaderHonoursContext(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rec := allTypesRecord(t, mem, 10)
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "ctx.parquet")
	writeFile(t, path, []arrow.RecordBatch{rec}, rec.Schema(), nil)
	src, err := NewSource(path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	rr, err := src.Open(ctx, connectors.ReadOptions{BatchSize: 4, Allocator: mem})
	require.NoError(t, err)
	defer rr.Release()
	require.True(t, rr.Next())
	cancel()
	assert.False(t, rr.Next())
	assert.ErrorIs(t, rr.Err(), context.Canceled)
}
