package csvconnector_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
)

// A file without a header (0 bytes, or blank lines only) has no rows; its
// columns are the declared ones.
func TestFileWithoutHeader(t *testing.T) {
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "email", Type: arrow.BinaryTypes.String},
	}, nil)
	for _, content := range []string{"", "\n\n"} {
		for _, withHint := range []bool{true, false} {
			path := filepath.Join(t.TempDir(), "empty.csv")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
			var opts []csvconnector.Option
			want := []string{}
			if withHint {
				opts = append(opts, csvconnector.WithSchema(hint))
				want = []string{"id", "email"}
			}
			src := csvconnector.NewSource(path, opts...)
			schema, err := src.Schema(context.Background())
			require.NoError(t, err)
			names := []string{}
			for _, f := range schema.Fields() {
				names = append(names, f.Name)
			}
			require.Equal(t, want, names)
			if withHint {
				require.True(t, arrow.TypeEqual(arrow.PrimitiveTypes.Int64, schema.Field(0).Type))
			}
			rdr, err := src.Open(context.Background(), connectors.ReadOptions{})
			require.NoError(t, err)
			require.False(t, rdr.Next())
			require.NoError(t, rdr.Err())
			rdr.Release()
		}
	}
}

// Open after Schema reads with the types Schema inferred; a header that
// changed in between is inferred again.
func TestOpenReusesSchemaInference(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.csv")
	require.NoError(t, os.WriteFile(path, []byte("id,amount\n1,2.5\n2,3\n"), 0o644))
	src := csvconnector.NewSource(path)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{})
	require.NoError(t, err)
	require.True(t, rdr.Schema().Equal(schema), "%s vs %s", rdr.Schema(), schema)
	require.True(t, rdr.Next())
	require.Equal(t, int64(2), rdr.RecordBatch().NumRows())
	rdr.Release()

	require.NoError(t, os.WriteFile(path, []byte("id,note\n1,x\n"), 0o644))
	rdr, err = src.Open(context.Background(), connectors.ReadOptions{})
	require.NoError(t, err)
	defer rdr.Release()
	require.Equal(t, "note", rdr.Schema().Field(1).Name)
	require.True(t, arrow.TypeEqual(arrow.BinaryTypes.String, rdr.Schema().Field(1).Type))
	require.True(t, rdr.Next())
}
