package parquetconnector

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cursor walks the rows of a record reader across batch boundaries.
type cursor struct {
	rr  array.RecordReader
	rec arrow.RecordBatch
	off int
}

// next returns the current batch and row, advancing; nil at the end.
func (c *cursor) next() (arrow.RecordBatch, int) {
	for c.rec == nil || c.off >= int(c.rec.NumRows()) {
		if !c.rr.Next() {
			return nil, 0
		}
		c.rec, c.off = c.rr.RecordBatch(), 0
	}
	c.off++
	return c.rec, c.off - 1
}

// cell renders one value for comparison; dictionary arrays by decoded value.
func cell(a arrow.Array, i int) (string, bool) {
	if a.IsNull(i) {
		return "", true
	}
	switch v := a.(type) {
	case *array.Dictionary:
		return cell(v.Dictionary(), v.GetValueIndex(i))
	case *array.String:
		return v.Value(i), false
	case *array.LargeString:
		return v.Value(i), false
	}
	return a.ValueStr(i), false
}

// openPQArrow reads path with arrow-go's own Parquet reader.
func openPQArrow(t *testing.T, path string, mem memory.Allocator, cols []string, batch int) array.RecordReader {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdr.Close() })
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: int64(batch)}, mem)
	require.NoError(t, err)
	var idx []int
	for _, c := range cols {
		found := -1
		for j, f := range fr.Manifest.Fields {
			if f.Field.Name == c {
				found = j
			}
		}
		require.GreaterOrEqual(t, found, 0, c)
		idx = append(idx, found)
	}
	rr, err := fr.GetRecordReader(context.Background(), idx, nil)
	require.NoError(t, err)
	return rr
}

// assertSameRows compares every value and null of two readers, column by
// column in order, and returns the number of rows compared.
func assertSameRows(t *testing.T, want, got array.RecordReader) int {
	t.Helper()
	require.Equal(t, want.Schema().NumFields(), got.Schema().NumFields())
	for i, f := range want.Schema().Fields() {
		require.Equal(t, f.Name, got.Schema().Field(i).Name)
	}
	w, g := &cursor{rr: want}, &cursor{rr: got}
	rows, bad := 0, 0
	for {
		wr, wi := w.next()
		gr, gi := g.next()
		if wr == nil || gr == nil {
			assert.Nil(t, wr, "sluice reader ended early at row %d", rows)
			assert.Nil(t, gr, "sluice reader has more rows than expected at row %d", rows)
			break
		}
		for c := range int(wr.NumCols()) {
			wv, wn := cell(wr.Column(c), wi)
			gv, gn := cell(gr.Column(c), gi)
			if wv != gv || wn != gn {
				bad++
				if bad < 10 {
					t.Errorf("row %d column %q: want %q (null %v), got %q (null %v)",
						rows, wr.ColumnName(c), wv, wn, gv, gn)
				}
			}
		}
		rows++
	}
	require.NoError(t, want.Err())
	require.NoError(t, got.Err())
	assert.Zero(t, bad, "mismatching cells")
	return rows
}
