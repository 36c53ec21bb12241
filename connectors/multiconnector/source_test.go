package multiconnector_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/connectors/multiconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	}
}

func openCSV(path string) (connectors.Source, error) { return csvconnector.NewSource(path), nil }

// rows renders every row of the reader as "col=value,…" lines.
func rows(t *testing.T, src connectors.Source, opts connectors.ReadOptions) []string {
	t.Helper()
	opts.Allocator = arrowtest.Allocator(t)
	rd, err := src.Open(context.Background(), opts)
	require.NoError(t, err)
	defer rd.Release()
	var out []string
	for rd.Next() {
		b := rd.RecordBatch()
		for i := range int(b.NumRows()) {
			var cells []string
			for j, c := range b.Columns() {
				cells = append(cells, b.ColumnName(j)+"="+c.ValueStr(i))
			}
			out = append(out, strings.Join(cells, ","))
		}
	}
	require.NoError(t, rd.Err())
	return out
}

func hiveFixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write(t, root, map[string]string{
		"date=2026-01-02/n=2/part-0.csv":                  "id,v\n3,c\n",
		"date=2026-01-01/n=1/part-1.csv":                  "id,v\n2,b\n",
		"date=2026-01-01/n=1/part-0.csv":                  "id,v\n1,a\n",
		"date=__HIVE_DEFAULT_PARTITION__/n=10/part-0.csv": "id,v\n4,d\n",
		"date=2026-01-01/n=1/_SUCCESS":                    "",
		"date=2026-01-01/n=1/.part-0.csv.crc":             "x",
	})
	return root
}

func TestHiveDirectoryIsOneDatasetInLexicalOrder(t *testing.T) {
	root := hiveFixture(t)
	paths, err := multiconnector.Dir(root)
	require.NoError(t, err)
	src, err := multiconnector.NewSource(root, paths, openCSV, multiconnector.WithParallelism(2))
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	require.Equal(t, 4, schema.NumFields())
	assert.Equal(t, arrow.FixedWidthTypes.Date32, schema.Field(2).Type, "date=YYYY-MM-DD is a date")
	assert.Equal(t, arrow.PrimitiveTypes.Int64, schema.Field(3).Type, "n is an integer in every part")
	assert.Equal(t, []string{
		"id=1,v=a,date=2026-01-01,n=1",
		"id=2,v=b,date=2026-01-01,n=1",
		"id=3,v=c,date=2026-01-02,n=2",
		"id=4,v=d,date=(null),n=10",
	}, rows(t, src, connectors.ReadOptions{}))
	assert.Equal(t, []string{"n=1,id=1", "n=1,id=2", "n=2,id=3", "n=10,id=4"},
		rows(t, src, connectors.ReadOptions{Columns: []string{"n", "id"}}))
	assert.Equal(t, []string{"date=2026-01-01", "date=2026-01-01", "date=2026-01-02", "date=(null)"},
		rows(t, src, connectors.ReadOptions{Columns: []string{"date"}}), "only a partition column")
	_, err = src.Open(context.Background(), connectors.ReadOptions{Columns: []string{"nope"}})
	require.ErrorIs(t, err, connectors.ErrNoColumn)
}

func TestDeclaredPartitionType(t *testing.T) {
	root := hiveFixture(t)
	paths, err := multiconnector.Dir(root)
	require.NoError(t, err)
	hint := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.BinaryTypes.String}}, nil)
	src, err := multiconnector.NewSource(root, paths, openCSV, multiconnector.WithSchemaHint(hint))
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	assert.Equal(t, arrow.BinaryTypes.String, schema.Field(3).Type)

	bad := arrow.NewSchema([]arrow.Field{{Name: "date", Type: arrow.PrimitiveTypes.Int64}}, nil)
	src, err = multiconnector.NewSource(root, paths, openCSV, multiconnector.WithSchemaHint(bad))
	require.NoError(t, err)
	_, err = src.Schema(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `partition column "date" declared int64: value "2026-01-01"`)
}

func TestMixedValuesInferString(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{"k=1/a.csv": "x\n1\n", "k=2026-01-01/a.csv": "x\n2\n"})
	paths, err := multiconnector.Dir(root)
	require.NoError(t, err)
	src, err := multiconnector.NewSource(root, paths, openCSV)
	require.NoError(t, err)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	assert.Equal(t, arrow.BinaryTypes.String, schema.Field(1).Type, "one inference over every part's value")
}

func TestSchemaDifferencesAreAnError(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"types", map[string]string{"a.csv": "x\n1\n", "b.csv": "x\nhello\n"}, `column "x" is int64 against utf8`},
		{"names", map[string]string{"a.csv": "x\n1\n", "b.csv": "y\n1\n"}, `column 0 is "x" against "y"`},
		{"keys", map[string]string{"k=1/a.csv": "x\n1\n", "b.csv": "x\n1\n"}, "partition keys"},
		{"key is a column", map[string]string{"x=1/a.csv": "x\n1\n"}, `partition key "x" is also a column`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, tt.files)
			paths, err := multiconnector.Dir(root)
			require.NoError(t, err)
			src, err := multiconnector.NewSource(root, paths, openCSV)
			require.NoError(t, err)
			_, err = src.Schema(context.Background())
			require.ErrorIs(t, err, connectors.ErrSchemaMismatch)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestGlob(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{"a/1.csv": "x\n1\n", "a/b/2.csv": "x\n2\n", "a/b/3.json": "{}", "a/_tmp/4.csv": "x\n4\n"})
	base, paths, err := multiconnector.Glob(filepath.Join(root, "a", "**", "*.csv"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "a"), base)
	assert.Equal(t, []string{filepath.Join(root, "a", "1.csv"), filepath.Join(root, "a", "b", "2.csv")}, paths)
	_, _, err = multiconnector.Glob(filepath.Join(root, "*.parquet"))
	require.ErrorIs(t, err, multiconnector.ErrNoParts)
}

func TestReleaseBeforeTheEndStopsTheReadAhead(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for i := range 20 {
		files[filepath.Join("p", string(rune('a'+i))+".csv")] = "x\n" + strings.Repeat("1\n", 100)
	}
	write(t, root, files)
	paths, err := multiconnector.Dir(root)
	require.NoError(t, err)
	src, err := multiconnector.NewSource(root, paths, openCSV, multiconnector.WithParallelism(3))
	require.NoError(t, err)
	rd, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: arrowtest.Allocator(t), BatchSize: 10})
	require.NoError(t, err)
	require.True(t, rd.Next())
	rd.Release() // buffered batches of the parts read ahead are released; goleak checks the workers ended
	assert.Panics(t, func() { rd.Release() }, "an over-release is caught")
}

func TestPartErrorStopsTheRead(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{"a.csv": "x\n1\n", "b.csv": "x\n1\n"})
	paths, err := multiconnector.Dir(root)
	require.NoError(t, err)
	src, err := multiconnector.NewSource(root, paths, openCSV)
	require.NoError(t, err)
	_, err = src.Schema(context.Background())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(paths[1], []byte("x\n1,2,3\n"), 0o600))
	rd, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: arrowtest.Allocator(t)})
	require.NoError(t, err)
	defer rd.Release()
	n := 0
	for rd.Next() {
		n += int(rd.RecordBatch().NumRows())
	}
	require.Error(t, rd.Err())
	assert.Contains(t, rd.Err().Error(), "b.csv")
	assert.Equal(t, 1, n, "the first part's rows came out before the error")
}
