package csvconnector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
)

// TestProjectionSkipsUnreadColumns reads a file whose column junk breaks
// the read (a value past inference that is not an integer, with invalid
// UTF-8 and a quoted line break) and whose hint gives junk a type the
// reader does not support: projected away, neither matters.
func TestProjectionSkipsUnreadColumns(t *testing.T) {
	path := writeTemp(t, "id,junk,name\n1,7,a\n2,\"x\xff\ny\",b\n3,8,c\n")
	src := csvconnector.NewSource(path, csvconnector.WithInferRows(1))
	_, _, err := readAll(t, src, connectors.ReadOptions{})
	require.Error(t, err, "the whole file does not read")

	schema, rows, err := readAll(t, src, connectors.ReadOptions{Columns: []string{"name", "id"}})
	require.NoError(t, err)
	require.Equal(t, 2, schema.NumFields())
	assert.Equal(t, arrow.BinaryTypes.String, schema.Field(0).Type)
	assert.Equal(t, arrow.PrimitiveTypes.Int64, schema.Field(1).Type)
	assert.Equal(t, [][]string{{"a", "1"}, {"b", "2"}, {"c", "3"}}, rows)

	// A hint the read does not use is not checked either.
	hinted := csvconnector.NewSource(path, csvconnector.WithSchema(arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int16},
		{Name: "junk", Type: arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int64))},
	}, nil)))
	_, _, err = readAll(t, hinted, connectors.ReadOptions{})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	schema, rows, err = readAll(t, hinted, connectors.ReadOptions{Columns: []string{"id"}, Invalid: policy(connectors.InvalidMark, "id")})
	require.NoError(t, err)
	require.Equal(t, 2, schema.NumFields())
	assert.Equal(t, arrow.PrimitiveTypes.Int16, schema.Field(0).Type)
	assert.Equal(t, [][]string{{"1", "null"}, {"2", "null"}, {"3", "null"}}, rows)

	// Syntax and field counts are still checked in columns not read.
	for _, content := range []string{"id,junk\n1,a\"b\n", "id,junk\n1,2,3\n", "id,junk\n1,\"open\n"} {
		_, _, err = readAll(t, csvconnector.NewSource(writeTemp(t, content)), connectors.ReadOptions{Columns: []string{"id"}})
		var ie *connectors.InputError
		require.ErrorAs(t, err, &ie, "%q", content)
	}

	_, _, err = readAll(t, src, connectors.ReadOptions{Columns: []string{"nope"}})
	require.ErrorIs(t, err, connectors.ErrNoColumn)
}

// BenchmarkOpenProjected reads 1 of 20 columns and all 20.
func BenchmarkOpenProjected(b *testing.B) {
	const cols, rows = 20, 50_000
	var sb strings.Builder
	for c := range cols {
		if c > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "c%02d", c)
	}
	sb.WriteByte('\n')
	for r := range rows {
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			switch c % 4 {
			case 0:
				fmt.Fprintf(&sb, "%d", r*c)
			case 1:
				fmt.Fprintf(&sb, "%d.25", r)
			case 2:
				fmt.Fprintf(&sb, "value %d of column %d", r, c)
			default:
				fmt.Fprintf(&sb, "2024-01-%02dT03:04:05Z", 1+r%28)
			}
		}
		sb.WriteByte('\n')
	}
	path := filepath.Join(b.TempDir(), "wide.csv")
	require.NoError(b, os.WriteFile(path, []byte(sb.String()), 0o644))
	src := csvconnector.NewSource(path)
	for _, bc := range []struct {
		name    string
		columns []string
	}{{"1 of 20", []string{"c02"}}, {"20 of 20", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(sb.Len()))
			for b.Loop() {
				rdr, err := src.Open(context.Background(), connectors.ReadOptions{Columns: bc.columns, Allocator: memory.DefaultAllocator})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rdr.Next() {
					n += int(rdr.RecordBatch().NumRows())
				}
				if err := rdr.Err(); err != nil {
					b.Fatal(err)
				}
				rdr.Release()
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestProjectionMultiByteDelimiter reads through encoding/csv (a delimiter
// that is not one byte): projection and marking behave the same.
func TestProjectionMultiByteDelimiter(t *testing.T) {
	path := writeTemp(t, "id§junk§n\n1§x§5\n2§\xff§6x\n")
	src := csvconnector.NewSource(path, csvconnector.WithDelimiter('§'), csvconnector.WithInferRows(1))
	schema, rows, err := readAll(t, src, connectors.ReadOptions{Columns: []string{"n", "id"}, Invalid: policy(connectors.InvalidMark, "n")})
	require.NoError(t, err)
	require.Equal(t, 3, schema.NumFields())
	assert.Equal(t, [][]string{{"5", "1", "null"}, {"null", "2", `{"n":"6x"}`}}, rows)
}
