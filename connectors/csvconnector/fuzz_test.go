package csvconnector_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,x\n2,y\n",
		"id,price,ok,at,day\n1,2.5,true,2024-01-02T03:04:05Z,2024-01-02\n,,,,\n",
		"a\n\"quoted\nnewline\"\n\"\"\n",
		"a,b\n1\n",
		"a,b\n1,x\"y\n",
		"a,b\n1,\xff\n",
		"\ufeffa;b\n1;2\n",
		"n\n1\n2\nthree\n",
		"t\n2024-01-02 03:04:05\n2024-13-45 99:99:99\n",
		"",
		"\n\n",
	} {
		f.Add([]byte(seed), 2)
	}
	// Real files: the fixtures and the hostile corpus, the small ones.
	for _, pattern := range []string{"../../testdata/*/%s", "../../testdata/*/*/%s"} {
		paths, _ := filepath.Glob(fmt.Sprintf(pattern, "*.csv"))
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil && fi.Size() <= 64<<10 {
				if data, err := os.ReadFile(p); err == nil {
					f.Add(data, 2)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, inferRows int) {
		path := filepath.Join(t.TempDir(), "in.csv")
		require.NoError(t, os.WriteFile(path, data, 0o644))
		mem := arrowtest.Allocator(t)
		src := csvconnector.NewSource(path, csvconnector.WithInferRows(inferRows%8), csvconnector.WithNullTokens("NA"))
		err := func() error {
			rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: 3})
			if err != nil {
				return err
			}
			defer rdr.Release()
			for rdr.Next() {
				b := rdr.RecordBatch()
				assert.LessOrEqual(t, b.NumRows(), int64(3))
			}
			return rdr.Err()
		}()
		if err != nil {
			var ie *connectors.InputError
			assert.True(t, errors.As(err, &ie) || errors.Is(err, connectors.ErrCorrupt),
				"error %v is neither an *InputError nor ErrCorrupt", err)
		}
		readMarked(t, src, mem)
	})
}

// readMarked reads every other column of src marking every invalid value,
// and holds each row's InvalidColumn to the cells it marks: a JSON object
// whose keys are columns read, each null in the row.
func readMarked(t *testing.T, src *csvconnector.Source, mem memory.Allocator) {
	t.Helper()
	schema, err := src.Schema(context.Background())
	if err != nil {
		return
	}
	var columns []string
	for i, f := range schema.Fields() {
		if i%2 == 0 {
			columns = append(columns, f.Name)
		}
	}
	mark := func(string) connectors.InvalidPolicy { return connectors.InvalidMark }
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: 3, Columns: columns, Invalid: mark})
	if err != nil {
		require.ErrorIs(t, err, connectors.ErrUnsupported, "only a column named %s stops a marked read from opening", connectors.InvalidColumn)
		return
	}
	defer rdr.Release()
	n := len(columns)
	for rdr.Next() {
		b := rdr.RecordBatch()
		require.Equal(t, int64(n+1), b.NumCols())
		require.Equal(t, connectors.InvalidColumn, b.Schema().Field(n).Name)
		marks, ok := b.Column(n).(*array.String)
		require.True(t, ok, "%s is a string column", connectors.InvalidColumn)
		for row := range int(b.NumRows()) {
			if marks.IsNull(row) {
				continue
			}
			var cells map[string]string
			require.NoError(t, json.Unmarshal([]byte(marks.Value(row)), &cells))
			require.NotEmpty(t, cells)
			for name := range cells {
				i := slices.Index(columns, name)
				require.GreaterOrEqual(t, i, 0, "marked column %q is read", name)
				assert.True(t, b.Column(i).IsNull(row), "marked cell of %q is null", name)
			}
		}
	}
	if err := rdr.Err(); err != nil {
		var ie *connectors.InputError
		require.ErrorAs(t, err, &ie)
		assert.NotContains(t, err.Error(), "is not a valid", "no value error when every column is marked")
	}
}
